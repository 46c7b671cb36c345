// Counters from a stats file become totals, deltas and rates, and the `sluice stats` table shows
// them per instance with a node total.
import { describe, expect, it } from "vitest";
import type { InstanceRecord } from "../supervisor/state-store.js";
import { counterDelta, counterTotals, ratesOf, rttQuantileUs } from "./instance-counters.js";
import { StatsOutbox } from "./sampler.js";
import { type CounterReading, renderStatsTable, statsRow } from "./stats-table.js";

const udpCounters = (rx: number, tx: number, dropped = 0) => ({
  device: { rx_packets: rx, tx_packets: tx, rx_bytes: rx * 100, tx_bytes: tx * 100, rx_dropped: dropped, kicks: 7 },
  interface: { drop_not_our_mac: 2, rx_frames: rx },
  app: { datagrams: rx },
});

const record = (id: string, app: string, queues: number[] = [0]): InstanceRecord => ({
  spec: { id, app, program: ["x"], launcher: [], cores: [1], nic: "eth0", queues },
  state: "ready",
  restarts: 0,
  failures: 0,
  exits: [],
  logFile: "/dev/null",
  logPolicy: { maxBytes: 1, keepFiles: 1 },
  updatedAt: "",
});

const reading = (pid: number, seconds: number, counters: Parameters<typeof counterTotals>[0]["counters"]) =>
  ({ pid, publishedAtNanos: BigInt(seconds * 1e9), totals: counterTotals({ counters }) }) as CounterReading;

describe("instance counters", () => {
  it("takes packets and bytes from the device and sums drops by reason from every layer but the app", () => {
    const totals = counterTotals({
      counters: {
        ...udpCounters(10, 9, 3),
        tcp: { drop_bad_checksum: 1, segments_retransmitted: 4 },
        app: { accepted: 10, closed: 3, reset: 1 },
      },
    });
    expect(totals).toEqual({
      rxPackets: 10,
      txPackets: 9,
      rxBytes: 1000,
      txBytes: 900,
      drops: 6,
      dropsByReason: { "device.rx_dropped": 3, "interface.drop_not_our_mac": 2, "tcp.drop_bad_checksum": 1 },
      retransmits: 4,
      connections: 6,
    });
    expect(counterTotals({ counters: udpCounters(1, 1) }).connections).toBeUndefined();
  });

  it("prefers the stack's open-connection gauge and reads TCP numbers only from apps that used TCP", () => {
    const tcpApp = counterTotals({
      counters: {
        ...udpCounters(10, 9),
        tcp: { passive_opens: 5, connections_open: 2, segments_retransmitted: 7 },
        app: { accepted: 5, closed: 1 },
      },
    });
    expect(tcpApp.connections).toBe(2);
    expect(tcpApp.retransmits).toBe(7);
    const udpApp = counterTotals({
      counters: { ...udpCounters(10, 9), tcp: { passive_opens: 0, connections_open: 0, segments_retransmitted: 0 } },
    });
    expect(udpApp.connections).toBeUndefined();
    expect(udpApp.retransmits).toBeUndefined();
  });

  it("turns the round-trip buckets into a per-interval histogram and an upper-bound median", () => {
    const rttGroup = (le8: number, le16: number, le32: number, inf: number, sum: number) => ({
      le_16: le16,
      le_8: le8,
      le_inf: inf,
      le_32: le32,
      sum,
    });
    const before = counterTotals({ counters: { ...udpCounters(1, 1), tcp_rtt_us: rttGroup(1, 0, 0, 0, 5) } });
    const after = counterTotals({ counters: { ...udpCounters(2, 2), tcp_rtt_us: rttGroup(2, 1, 3, 1, 5000) } });
    expect(after.rtt?.upperBoundsUs).toEqual([8, 16, 32, Number.POSITIVE_INFINITY]);
    const delta = counterDelta(before, after);
    expect(delta.rtt).toEqual({
      upperBoundsUs: [8, 16, 32, Number.POSITIVE_INFINITY],
      counts: [1, 1, 3, 1],
      sumUs: 4995,
    });
    expect(rttQuantileUs(delta.rtt, 0.5)).toBe(32);
    expect(rttQuantileUs(delta.rtt, 0.1)).toBe(8);
    expect(rttQuantileUs(delta.rtt, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(ratesOf(delta, 1).rttP50Us).toBe(32);
    expect(rttQuantileUs(counterDelta(after, after).rtt, 0.5)).toBeUndefined();
    expect(ratesOf(counterDelta(after, after), 1).rttP50Us).toBeUndefined();
  });

  it("counts from zero again when the counters went down (the instance restarted)", () => {
    const before = counterTotals({ counters: udpCounters(100, 100) });
    expect(counterDelta(before, counterTotals({ counters: udpCounters(150, 140) }))).toMatchObject({
      rxPackets: 50,
      txPackets: 40,
      drops: 0,
    });
    expect(counterDelta(before, counterTotals({ counters: udpCounters(5, 4) }))).toMatchObject({
      rxPackets: 5,
      txPackets: 4,
      drops: 2,
    });
  });
});

describe("sluice stats table", () => {
  it("renders rates per instance and a total row", () => {
    const echo = statsRow(
      record("echo-1", "echo"),
      "ready",
      reading(10, 1, udpCounters(0, 0)),
      reading(10, 3, udpCounters(2000, 1000, 4)),
      1,
    );
    expect(echo.rates).toMatchObject({
      seconds: 2,
      rxPps: 1000,
      txPps: 500,
      rxMbps: 0.8,
      txMbps: 0.4,
      dropsPerSecond: 2,
    });
    const sink = statsRow(record("sink-1", "sink", [1]), "ready", undefined, reading(11, 5, udpCounters(5, 0)), 1);
    const broken = statsRow(
      record("odd", "echo", []),
      "gone",
      undefined,
      { error: "cannot read stats file x: ENOENT" },
      1,
    );
    expect(renderStatsTable([echo, sink, broken]).split("\n")).toEqual([
      "INSTANCE  APP   STATE  QUEUE   RX PPS  TX PPS  RX MBIT/S  TX MBIT/S  DROPS/S  RETRANS/S  CONNS  RTT P50",
      "echo-1    echo  ready  eth0:0  1,000   500     0.80       0.40       2        -          -      -",
      "sink-1    sink  ready  eth0:1  0       0       0.00       0.00       0        -          -      -",
      "odd       echo  gone   eth0:-  -       -       -          -          -        -          -      -",
      "TOTAL           2/3            1,000   500     0.80       0.40       2        -          -      -",
      "",
      "odd: cannot read stats file x: ENOENT",
    ]);
  });

  it("shows the median round trip of the interval as its histogram bucket bound", () => {
    const tcp = (le64: number, le128: number) => ({
      ...udpCounters(le64 + le128, le64 + le128),
      tcp: { passive_opens: 1, connections_open: 1, segments_retransmitted: 0 },
      tcp_rtt_us: { le_64: le64, le_128: le128, le_2048: 0, le_inf: 0, sum: 0 },
    });
    const row = statsRow(record("kv-1", "kv"), "ready", reading(3, 1, tcp(0, 0)), reading(3, 2, tcp(10, 30)), 1);
    expect(row.rates?.rttP50Us).toBe(128);
    const [header, line] = renderStatsTable([row]).split("\n");
    expect(header).toMatch(/CONNS\s+RTT P50$/);
    expect(line).toMatch(/\s1\s+≤ 128 µs$/);
  });

  it("shows a multi-queue instance's queues under it, counted once in the total", () => {
    const twoQueues = (pid: number, seconds: number, rx0: number, rx1: number): CounterReading => ({
      ...reading(pid, seconds, udpCounters(rx0 + rx1, rx0 + rx1)),
      queues: new Map([
        [0, counterTotals({ counters: udpCounters(rx0, rx0) })],
        [1, counterTotals({ counters: udpCounters(rx1, rx1) })],
      ]),
    });
    const row = statsRow(
      record("echo-2", "echo", [0, 1]),
      "ready",
      twoQueues(9, 1, 0, 0),
      twoQueues(9, 2, 300, 100),
      1,
    );
    expect(row.rates?.rxPps).toBe(400);
    expect(row.queues?.map((q) => [q.id, q.queue, q.rates?.rxPps])).toEqual([
      ["echo-2/0", "eth0:0", 300],
      ["echo-2/1", "eth0:1", 100],
    ]);
    const lines = renderStatsTable([row]).split("\n");
    expect(lines.map((line) => line.split(/\s+/).slice(0, 5).join(" "))).toEqual([
      "INSTANCE APP STATE QUEUE RX",
      "echo-2 echo ready eth0:0,1 400",
      "echo-2/0 echo ready eth0:0 300",
      "echo-2/1 echo ready eth0:1 100",
      "TOTAL 1/1 400 400 0.32",
    ]);
  });

  it("does not turn a restart (new pid) into a negative or huge rate", () => {
    const row = statsRow(
      record("e", "echo"),
      "ready",
      reading(1, 1, udpCounters(9000, 9000)),
      reading(2, 2, udpCounters(10, 10)),
      1,
    );
    expect(row.rates?.rxPps).toBe(0);
    expect(row.totals?.rxPackets).toBe(10);
  });
});

describe("stats outbox", () => {
  const sample = (n: number) => ({
    instanceId: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    at: new Date(0),
    rxPackets: n,
    txPackets: 0,
    rxBytes: 0,
    txBytes: 0,
    drops: 0,
  });

  it("keeps the newest samples up to its capacity and counts what it dropped", () => {
    const outbox = new StatsOutbox(3);
    expect(outbox.push([sample(1), sample(2)])).toBe(0);
    expect(outbox.push([sample(3), sample(4), sample(5)])).toBe(2);
    expect(outbox.dropped).toBe(2);
    expect(outbox.peek(10).map((s) => s.rxPackets)).toEqual([3, 4, 5]);
    outbox.remove(1);
    expect(outbox.discardInstances(new Set([sample(5).instanceId]))).toBe(1);
    expect(outbox.peek(10).map((s) => s.rxPackets)).toEqual([4]);
    expect(outbox.dropped).toBe(3);
  });
});
