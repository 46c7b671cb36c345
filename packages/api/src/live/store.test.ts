import { describe, expect, it } from "vitest";
import type { LiveSample } from "./rates.js";
import { LiveStore } from "./store.js";

const NODE = "00000000-0000-4000-8000-00000000000a";
const OTHER_NODE = "00000000-0000-4000-8000-00000000000b";
const ECHO = "00000000-0000-4000-8000-000000000001";
const SINK = "00000000-0000-4000-8000-000000000002";
const T0 = 1_750_000_000; // an epoch second

/** One second's increases of an instance that moves `bytes` and `packets` per second, sampled at `t` (from T0). */
function sample(
  instanceId: string,
  t: number,
  rate: { bytes: number; packets: number },
  extra: Partial<LiveSample> = {},
): LiveSample {
  return {
    second: T0 + t,
    nodeId: NODE,
    instanceId,
    app: "echo",
    queue: null,
    atMs: (T0 + t) * 1000 + 300,
    rxBytes: rate.bytes,
    txBytes: rate.bytes / 2,
    rxPackets: rate.packets,
    txPackets: rate.packets,
    drops: 1,
    retransmits: null,
    connections: 3,
    ...extra,
  };
}

describe("rates from counters", () => {
  it("turns each second's increases into bits and packets per second", () => {
    const store = new LiveStore();
    store.ingest([sample(ECHO, 0, { bytes: 1000, packets: 10 })]);
    store.ingest([sample(ECHO, 1, { bytes: 1000, packets: 10 }), sample(ECHO, 2, { bytes: 2000, packets: 20 })]);
    const frame = store.frame({ kind: "instance", instanceId: ECHO }, T0 - 1, T0 + 2);
    const echo = frame.series[`instance:${ECHO}`]!;
    expect(echo.rxBits).toEqual([null, 8000, 8000, 16_000]);
    expect(echo.txBits).toEqual([null, 4000, 4000, 8000]);
    expect(echo.rxPackets).toEqual([null, 10, 10, 20]);
    expect(echo.drops).toEqual([null, 1, 1, 1]);
    expect(echo.connections).toEqual([null, 3, 3, 3]);
  });

  it("divides by the interval since the previous sample, and by one period after a long silence", () => {
    const store = new LiveStore();
    store.ingest([sample(ECHO, 0, { bytes: 0, packets: 0 })]);
    // 2 s later by the agent's clock, 4000 bytes more: 2000 B/s.
    store.ingest([{ ...sample(ECHO, 1, { bytes: 4000, packets: 0 }), atMs: (T0 + 2) * 1000 + 300 }]);
    // A minute of silence (the agent dropped what it buffered): the next sample covers one second.
    store.ingest([{ ...sample(ECHO, 2, { bytes: 500, packets: 0 }), atMs: (T0 + 62) * 1000 + 300 }]);
    const bits = store.frame({ kind: "instance", instanceId: ECHO }, T0 + 1, T0 + 2).series[`instance:${ECHO}`]!.rxBits;
    expect(bits).toEqual([16_000, 4000]);
  });

  it("ignores duplicates and late samples, and never puts two samples of one counter in one second", () => {
    const store = new LiveStore();
    store.ingest([sample(ECHO, 0, { bytes: 100, packets: 1 })]);
    store.ingest([sample(ECHO, 1, { bytes: 100, packets: 1 })]);
    store.ingest([sample(ECHO, 1, { bytes: 100, packets: 1 })]); // the same sample again
    // Accepted in the same second as the previous one (network jitter): charted in the next second instead.
    store.ingest([{ ...sample(ECHO, 2, { bytes: 100, packets: 1 }), second: T0 + 1 }]);
    const bits = store.frame({ kind: "instance", instanceId: ECHO }, T0 + 1, T0 + 2).series[`instance:${ECHO}`]!.rxBits;
    expect(bits).toEqual([800, 800]);
    expect(store.frame({ kind: "instance", instanceId: ECHO }, T0, T0).series[`instance:${ECHO}`]!.rxBits).toEqual([
      800,
    ]);
  });
});

describe("series", () => {
  it("sums instance totals into node, app and fleet; queue samples feed only their queue", () => {
    const store = new LiveStore();
    for (const t of [0, 1]) {
      store.ingest([
        sample(ECHO, t, { bytes: 1000, packets: 10 }),
        sample(SINK, t, { bytes: 500, packets: 5 }, { app: "sink" }),
        sample(ECHO, t, { bytes: 600, packets: 6 }, { queue: 0 }),
        sample(ECHO, t, { bytes: 400, packets: 4 }, { queue: 1 }),
        sample(
          SINK,
          t,
          { bytes: 250, packets: 2 },
          { nodeId: OTHER_NODE, instanceId: "00000000-0000-4000-8000-000000000003", app: "sink" },
        ),
      ]);
    }
    const at = (key: string) => store.frame({ kind: "fleet" }, T0 + 1, T0 + 1).latest[key] ?? null;
    const fleet = store.frame({ kind: "fleet" }, T0 + 1, T0 + 1);
    expect(fleet.series.fleet!.rxBits).toEqual([(1000 + 500 + 250) * 8]);
    expect(Object.keys(fleet.series)).toEqual(["fleet"]);
    expect(at(`node:${NODE}`)).toEqual({ bitsPerSecond: 1500 * 8 * 1.5, packetsPerSecond: 30 });
    expect(at(`node:${OTHER_NODE}`)).toEqual({ bitsPerSecond: 250 * 8 * 1.5, packetsPerSecond: 4 });

    const node = store.frame({ kind: "node", nodeId: NODE }, T0 + 1, T0 + 1);
    expect(Object.keys(node.series).sort()).toEqual([`node:${NODE}`, `queue:${ECHO}:0`, `queue:${ECHO}:1`]);
    expect(node.series[`queue:${ECHO}:1`]!.rxBits).toEqual([3200]);
    expect(Object.keys(node.latest).sort()).toEqual([`instance:${ECHO}`, `instance:${SINK}`]);

    const sinkApp = store.frame({ kind: "app", app: "sink" }, T0 + 1, T0 + 1);
    expect(sinkApp.series["app:sink"]!.rxPackets).toEqual([7]);
    expect(Object.keys(sinkApp.latest)).toHaveLength(2);
  });

  it("evicts series idle for an hour and frees their place", () => {
    const store = new LiveStore({ maxSeries: 4 });
    store.ingest([sample(ECHO, 0, { bytes: 1, packets: 1 }), sample(ECHO, 1, { bytes: 1, packets: 1 })]);
    expect(store.seriesCount).toBe(4); // instance, node, app, fleet
    // A second instance cannot get series while the store is full: counted, not silently lost.
    store.ingest([
      sample(SINK, 0, { bytes: 1, packets: 1 }, { app: "sink" }),
      sample(SINK, 1, { bytes: 1, packets: 1 }, { app: "sink" }),
    ]);
    expect(store.has(`instance:${SINK}`)).toBe(false);
    expect(store.counters.seriesRefused).toBe(4); // instance and app, for each of the two samples
    store.evictIdle(T0 + 1 + 3600);
    expect(store.seriesCount).toBe(4);
    store.evictIdle(T0 + 2 + 3600);
    expect(store.seriesCount).toBe(0);
    expect(store.counters.seriesEvicted).toBe(4);
    // There is room again.
    store.ingest([sample(SINK, 4000, { bytes: 1, packets: 1 }, { app: "sink" })]);
    expect(store.has(`instance:${SINK}`)).toBe(true);
  });
});
