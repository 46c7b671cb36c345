// `sluice stats` as a command: --watch redraws every second until SIGINT, --json names why an
// instance has no numbers, and --app filters.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { StateStore } from "../supervisor/state-store.js";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));

describe("sluice stats", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "sluice-stats-cli-"));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it("prints JSON rows, with the reason when an instance has no stats file, and filters by app", () => {
    new StateStore(stateDir).write({
      spec: { id: "echo-1", app: "echo", program: ["none"], launcher: [], cores: [1], nic: "eth0", queues: [0] },
      state: "stopped",
      restarts: 0,
      failures: 0,
      exits: [],
      logFile: join(stateDir, "echo-1.log"),
      logPolicy: { maxBytes: 1000, keepFiles: 2 },
      updatedAt: new Date().toISOString(),
    });
    const result = spawnSync(process.execPath, [bin, "stats", "--json", "--state-dir", stateDir], { encoding: "utf8" });
    expect(result.status).toBe(0);
    const [row] = JSON.parse(result.stdout).instances;
    expect(row).toMatchObject({ id: "echo-1", app: "echo", state: "stopped", queue: "eth0:0", rates: null });
    expect(row.note).toMatch(/^cannot read stats file .*echo-1\/stats: ENOENT/);
    const filtered = spawnSync(process.execPath, [bin, "stats", "--app", "sink", "--state-dir", stateDir], {
      encoding: "utf8",
    });
    expect(filtered.stdout).toBe(`no instances in ${stateDir} for app sink\n`);
  });

  it("--watch redraws every second and exits 0 on SIGINT", async () => {
    const child = spawn(process.execPath, [bin, "stats", "--watch", "--state-dir", stateDir]);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
    });
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const look = () => {
        if (out.split("\x1b[H\x1b[2J").length > 2) resolve();
        else if (Date.now() > deadline) reject(new Error(`fewer than two frames: ${JSON.stringify(out)}`));
        else setTimeout(look, 50);
      };
      look();
    });
    child.kill("SIGINT");
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
    expect(out).toContain("INSTANCE  APP   STATE    QUEUE");
  });
});
