// The sampler's arithmetic against stats files with exact counters: increases since the previous
// read, a restarted process counted from zero, the crashed process's last counts kept, an adopted
// instance counted from its first read, and a stale file from an older process ignored.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeStatsFile } from "../../test-support/stats-file.js";
import type { InstanceRecord, InstanceState } from "../supervisor/state-store.js";
import { statsFilePath } from "./instance-counters.js";
import { STALE_AFTER_MS, StatsSampler } from "./sampler.js";

const stateDir = mkdtempSync(join(tmpdir(), "sluice-sampler-"));
const ID = "00000000-0000-4000-8000-000000000001";
const file = statsFilePath(stateDir, ID);
const counters = (rx: number, tx = rx) => ({
  "device.rx_packets": rx,
  "device.tx_packets": tx,
  "device.rx_bytes": rx * 64,
  "device.tx_bytes": tx * 64,
  "interface.drop_not_our_mac": 0,
});
const record = (pid: number, state: InstanceState = "ready", startedAt = new Date()): InstanceRecord => ({
  spec: { id: ID, app: "echo", program: ["x"], launcher: [], cores: [1], queues: [0] },
  state,
  pid,
  startedAt: startedAt.toISOString(),
  restarts: 0,
  failures: 0,
  exits: [],
  logFile: "/dev/null",
  logPolicy: { maxBytes: 1, keepFiles: 1 },
  updatedAt: "",
});

describe("stats sampler", () => {
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it("reports increases, counts a new process from zero, and keeps a crashed process's last counts", () => {
    const sampler = new StatsSampler(stateDir, new Date(Date.now() - 1000));
    const rx = (records: InstanceRecord[]) => sampler.sample(records).map((s) => s.rxPackets);
    writeStatsFile(file, { pid: 100, sequence: 1, counters: counters(10) });
    expect(rx([record(100)])).toEqual([10]); // started by this agent: from zero
    writeStatsFile(file, { pid: 100, sequence: 2, counters: counters(25) });
    expect(rx([record(100)])).toEqual([15]);
    // It crashed after 5 more; while it waits to restart, its final counts are still reported.
    writeStatsFile(file, { pid: 100, sequence: 3, counters: counters(30), running: false });
    const waiting = { ...record(100, "backoff"), pid: undefined };
    expect(rx([waiting])).toEqual([5]);
    // The new process has not written its file yet: the old file is not news.
    expect(rx([record(200, "starting")])).toEqual([0]);
    writeStatsFile(file, { pid: 200, sequence: 1, counters: counters(4) });
    expect(rx([record(200)])).toEqual([4]);
    expect(sampler.current()[0]?.totals.rxPackets).toBe(4);
    // 10 + 15 + 5 + 0 + 4: everything both processes counted, nothing twice.
  });

  it("counts an adopted instance from its first read, and forgets instances that are gone", () => {
    const agentStart = new Date();
    const sampler = new StatsSampler(stateDir, agentStart);
    const adopted = record(300, "ready", new Date(agentStart.getTime() - 60_000));
    writeStatsFile(file, { pid: 300, sequence: 1, counters: counters(1000) });
    expect(sampler.sample([adopted])).toEqual([]);
    writeStatsFile(file, { pid: 300, sequence: 2, counters: counters(1007) });
    expect(sampler.sample([adopted]).map((s) => s.rxPackets)).toEqual([7]);
    expect(sampler.sample([])).toEqual([]);
    expect(sampler.current()).toEqual([]);
  });

  it("calls a ready instance whose data path stopped publishing stuck", () => {
    const sampler = new StatsSampler(stateDir);
    writeStatsFile(file, { pid: 400, sequence: 1, counters: counters(1), publishedAtNanos: process.hrtime.bigint() });
    sampler.sample([record(400)]);
    expect(sampler.health()).toEqual(new Map());
    expect(sampler.current()[0]?.ageSeconds).toBeLessThan(STALE_AFTER_MS / 1000);
    const longAgo = process.hrtime.bigint() - 10_000_000_000n;
    writeStatsFile(file, { pid: 400, sequence: 2, counters: counters(1), publishedAtNanos: longAgo });
    sampler.sample([record(400)]);
    expect(sampler.health().get(ID)).toMatch(
      /^stats file not updated for 10\.\d s: the data path thread may be stuck$/,
    );
  });

  it("reports a multi-queue instance's total and each queue's increase on its own", () => {
    const sampler = new StatsSampler(stateDir, new Date(Date.now() - 1000));
    const twoQueues = (rx0: number, rx1: number, sequence: number) =>
      writeStatsFile(file, {
        pid: 500,
        sequence,
        counters: {},
        queues: [
          { queue: 2, core: 0, counters: counters(rx0) },
          { queue: 3, core: 1, counters: counters(rx1) },
        ],
      });
    const view = (records: InstanceRecord[]) => sampler.sample(records).map((s) => [s.queue ?? "total", s.rxPackets]);
    twoQueues(10, 4, 1);
    expect(view([record(500)])).toEqual([
      ["total", 14],
      [2, 10],
      [3, 4],
    ]);
    twoQueues(15, 24, 2);
    expect(view([record(500)])).toEqual([
      ["total", 25],
      [2, 5],
      [3, 20],
    ]);
  });
});
