// `sluice agent` refuses to start, with one line and the documented exit code, when it cannot work.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { credentialPath, writeCredential } from "../daemon/credential.js";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));

describe("sluice agent start-up errors", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "sluice-agent-cli-"));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
  const agent = (...args: string[]) =>
    spawnSync(process.execPath, [bin, "agent", "--state-dir", stateDir, ...args], {
      encoding: "utf8",
      timeout: 20_000,
    });

  it("exits 2 for flags it cannot use", () => {
    expect(agent().status).toBe(2);
    const url = agent("--control-plane", "ftp://x");
    expect([url.status, url.stderr]).toEqual([
      2,
      'sluice: --control-plane must be http:// or https://, got "ftp://x"\n',
    ]);
    const listen = agent("--control-plane", "http://127.0.0.1:1", "--metrics-listen", "9464");
    expect(listen.status).toBe(2);
    expect(listen.stderr).toContain("--metrics-listen must be HOST:PORT");
  });

  it("exits 2 when the node has not joined and no token is given", () => {
    const result = agent("--control-plane", "http://127.0.0.1:18099");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `sluice: this node has not joined a control plane yet (no ${stateDir}/credential.json): pass --token with a join token`,
    );
  });

  it("exits 1 when the credential file is readable by others", () => {
    writeCredential(stateDir, { nodeId: "n", credential: "snc_x", controlPlane: "http://127.0.0.1:18099" });
    chmodSync(credentialPath(stateDir), 0o640);
    const result = agent("--control-plane", "http://127.0.0.1:18099");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`sluice: ${credentialPath(stateDir)} is readable by group or others (mode 0640)`);
  });
});
