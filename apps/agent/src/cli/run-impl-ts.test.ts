// `sluice run --impl ts` usage errors: refused with exit 2 and one line before any device is touched.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
const sluice = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
/** `run APP --impl ts` on an xdp instance at PORT over PROTO: every flag valid but the one under test. */
const runTsOnXdp = (app: string, port: string, proto: string) =>
  sluice(
    "run",
    app,
    "--impl",
    "ts",
    "--backend",
    "xdp",
    "--iface",
    "lo",
    "--ip",
    "198.18.0.1/24",
    "--port",
    port,
    "--proto",
    proto,
  );

describe("sluice run --impl ts", () => {
  it("names the apps it has when asked for another", () => {
    const result = runTsOnXdp("sink", "7", "tcp");
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("sluice: --impl ts has only: echo, kv, http (got sink)\n");
  });

  it("refuses kv and http over udp", () => {
    for (const app of ["kv", "http"]) {
      const result = runTsOnXdp(app, "9", "udp");
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`sluice: ${app} runs over tcp: add --proto tcp\n`);
    }
  });

  it("refuses the kernel backend, which the LibOS does not provide", () => {
    const result = sluice("run", "echo", "--impl", "ts", "--backend", "kernel", "--port", "7");
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("sluice: --impl ts runs on a Sluice backend (xdp, dpdk, tap), not kernel\n");
  });
});
