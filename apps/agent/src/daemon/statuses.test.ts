// Heartbeat statuses carry the precise reason for every instance that is not simply running.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { InstanceRecord } from "../supervisor/state-store.js";
import { instanceStatuses, statusOf } from "./statuses.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-statuses-"));
const logFile = join(dir, "a.log");
writeFileSync(logFile, "starting\nsluice: cannot bind eth0 queue 0: EBUSY (queue in use by another socket)\n");
const ID = "00000000-0000-4000-8000-000000000001";

const record = (changes: Partial<InstanceRecord>): InstanceRecord => ({
  spec: { id: ID, app: "echo", program: ["x"], launcher: [], cores: [1], queues: [0] },
  state: "ready",
  restarts: 0,
  failures: 0,
  exits: [],
  logFile,
  logPolicy: { maxBytes: 1 << 20, keepFiles: 2 },
  updatedAt: "",
  ...changes,
});

describe("instance statuses", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports a running instance whose log cannot be written as running, with the log error", () => {
    expect(
      statusOf(
        record({ logError: "writing a.log: ENOSPC: no space left on device (10 bytes of output dropped so far)" }),
      ),
    ).toEqual({
      instanceId: ID,
      state: "running",
      message: "log: writing a.log: ENOSPC: no space left on device (10 bytes of output dropped so far)",
    });
  });

  it("reports a running instance whose data path stopped publishing as running, with the reason", () => {
    const stuck = "stats file not updated for 12.0 s: the data path thread may be stuck";
    expect(instanceStatuses([ID], [record({})], new Map(), new Map([[ID, stuck]]))).toEqual([
      { instanceId: ID, state: "running", message: stuck },
    ]);
  });

  it("reports a restart in backoff and a crash loop with the app's own last line", () => {
    expect(statusOf(record({ state: "backoff", reason: "exit 1; restarting in 1000 ms" }))).toEqual({
      instanceId: ID,
      state: "starting",
      message:
        "exit 1; restarting in 1000 ms; last output: sluice: cannot bind eth0 queue 0: EBUSY (queue in use by another socket)",
    });
    const summary = "crash loop: exited 6 times in a row, each within 10000 ms of starting (exit 1, exit 1)";
    expect(
      statusOf(
        record({ state: "crash-loop", crashLoop: { summary, exits: [], lastLogLines: ["starting", "sluice: bad"] } }),
      ),
    ).toEqual({ instanceId: ID, state: "failed", message: `${summary}; last output: sluice: bad` });
  });

  it("reports planner and config failures for desired instances only", () => {
    const other = "00000000-0000-4000-8000-000000000002";
    const failures = new Map([[other, "core 7 is not online on this node (online: 0-1)"]]);
    expect(instanceStatuses([ID, other, "local-test"], [record({})], failures)).toEqual([
      { instanceId: ID, state: "running" },
      { instanceId: other, state: "failed", message: "core 7 is not online on this node (online: 0-1)" },
    ]);
  });
});
