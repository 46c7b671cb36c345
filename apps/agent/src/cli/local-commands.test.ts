// `sluice ps` and `sluice logs` over a state dir that a real supervisor writes.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { programSpec } from "../supervisor/spec.js";
import { Supervisor } from "../supervisor/supervisor.js";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
const fakeApp = fileURLToPath(new URL("../supervisor/fixtures/fake-app.mjs", import.meta.url));

describe("sluice ps and sluice logs", () => {
  let stateDir: string;
  let supervisor: Supervisor;
  const sluice = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args, "--state-dir", stateDir], { encoding: "utf8" });

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "sluice-cli-state-"));
    // Small files rotate every ~100 ms, often several times between two looks of a follower; keeping
    // 30 of them gives a follower starved of CPU seconds of slack before lines leave the disk.
    supervisor = new Supervisor({ stateDir, logPolicy: { maxBytes: 400, keepFiles: 30 } });
    supervisor.start(
      programSpec("fake", [process.execPath, fakeApp, "tick", "2"], {
        id: "ticker",
        cores: [1],
        nic: "eth0",
        queues: [0, 1],
        readyPrefix: "ready ",
      }),
    );
    supervisor.start(
      programSpec("fake", [process.execPath, fakeApp, "serve"], { id: "idle", cores: [0], readyPrefix: "ready " }),
    );
    await supervisor.waitFor("ticker", ["ready"]);
    await supervisor.waitFor("idle", ["ready"]);
    await supervisor.stop("idle");
  });

  afterAll(async () => {
    await supervisor?.stopAll();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("lists instances as JSON with pid, state, uptime, restarts, cores and queues", () => {
    const result = sluice("ps", "--json");
    expect(result.status).toBe(0);
    const { instances } = JSON.parse(result.stdout);
    expect(instances.map((i: { id: string }) => i.id)).toEqual(["idle", "ticker"]);
    expect(instances[1]).toMatchObject({
      app: "fake",
      pid: supervisor.status("ticker").pid,
      state: "ready",
      alive: true,
      restarts: 0,
      cores: [1],
      nic: "eth0",
      queues: [0, 1],
    });
    expect(instances[1].uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(instances[0]).toMatchObject({ state: "stopped", pid: null, alive: false, uptimeSeconds: null });
  });

  it("prints a table", () => {
    const result = sluice("ps");
    const [header, ...rows] = result.stdout.trim().split("\n");
    expect(header).toMatch(/^ID +APP +PID +STATE +UPTIME +RESTARTS +CORES +QUEUE$/);
    expect(rows[0]).toMatch(/^idle +fake +- +stopped +- +0 +0 +-$/);
    expect(rows[1]).toMatch(/^ticker +fake +\d+ +ready +\d+s +0 +1 +eth0:0,1$/);
  });

  it("prints the last N lines of an instance's log, across rotated files", () => {
    const result = sluice("logs", "ticker", "--lines", "60");
    expect(result.status).toBe(0);
    const ticks = result.stdout.trim().split("\n");
    expect(ticks).toHaveLength(60);
    // 60 lines of ~8 bytes span more than one 400-byte file: they must still be consecutive.
    const numbers = ticks.map((line) => Number(line.replace("tick ", "")));
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
  });

  it("follows an instance's log through rotations without losing or repeating a line", async () => {
    const child = spawn(process.execPath, [bin, "logs", "ticker", "--follow", "--lines", "1", "--state-dir", stateDir]);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
    });
    // At 2 ms a line, 400-byte files rotate about every 100 ms, sometimes twice between two looks.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill("SIGINT");
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    const numbers = out
      .trim()
      .split("\n")
      .map((line) => Number(line.replace("tick ", "")));
    expect(numbers.length).toBeGreaterThan(100);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
  });

  it("exits 2 with one line for an unknown instance, naming the known ones", () => {
    const result = sluice("logs", "nope");
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sluice: no instance "nope" in ${stateDir} (instances: idle, ticker)\n`);
    expect(sluice("logs", "../etc").status).toBe(2);
    expect(sluice("logs", "ticker", "--lines", "-1").status).toBe(2);
  });
});
