// The node credential is written 0600 through a temporary file, read back, and refused when others
// could read it.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CredentialFileError, credentialPath, readCredential, writeCredential } from "./credential.js";

describe("node credential file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-credential-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is written with mode 0600, leaves no temporary file, and reads back", () => {
    const stateDir = join(dir, "state");
    expect(readCredential(stateDir)).toBeUndefined();
    const credential = { nodeId: "n", credential: "snc_secret", controlPlane: "http://cp" };
    writeCredential(stateDir, credential);
    expect(statSync(credentialPath(stateDir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(stateDir)).toEqual(["credential.json"]);
    expect(readCredential(stateDir)).toEqual(credential);
  });

  it("is refused when group or others can read it, naming the fix", () => {
    writeCredential(dir, { nodeId: "n", credential: "snc_x", controlPlane: "" });
    chmodSync(credentialPath(dir), 0o644);
    expect(() => readCredential(dir)).toThrow(CredentialFileError);
    expect(() => readCredential(dir)).toThrow(`is readable by group or others (mode 0644); run \`chmod 600`);
  });

  it("is refused when it is not a credential", () => {
    writeFileSync(credentialPath(dir), "{}", { mode: 0o600 });
    expect(() => readCredential(dir)).toThrow("lacks nodeId or credential");
  });
});
