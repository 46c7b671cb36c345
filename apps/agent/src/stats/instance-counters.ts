// What the agent takes from an instance's stats file (written by the data path, read with
// @sluice/libos readInstanceStats): packets and bytes at the device, drops by reason from every
// layer, TCP retransmits when the file has them, open connections and the round-trip-time histogram
// for TCP apps.
import { join } from "node:path";
import type { InstanceStats } from "@sluice/libos";

/** Each instance publishes into its own directory of the state dir, where `sluice stats` finds it. */
export function statsFilePath(stateDir: string, instanceId: string): string {
  return join(stateDir, "instances", instanceId, "stats");
}

export interface CounterTotals {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  /** Sum of dropsByReason. */
  drops: number;
  /** "group.counter" → count, for every counter that counts a discarded frame or segment. */
  dropsByReason: Record<string, number>;
  retransmits?: number;
  /** A gauge: connections open now (TCP apps). */
  connections?: number;
  /** Round trips the stack timed (TCP apps with a stack that publishes them). */
  rtt?: RttHistogram;
}

/** Per-bucket (not cumulative) counts; bucket i holds samples up to upperBoundsUs[i] (the last is Infinity). */
export interface RttHistogram {
  upperBoundsUs: number[];
  counts: number[];
  sumUs: number;
}

/** The data path's tcp_rtt_us group: le_8 … le_inf and sum (packages/native/runtime/counter_table.cpp). */
function rttHistogram(group: Record<string, number> | undefined): RttHistogram | undefined {
  if (!group) return undefined;
  const buckets = Object.entries(group)
    .filter(([name]) => name.startsWith("le_"))
    .map(([name, count]) => ({ bound: name === "le_inf" ? Number.POSITIVE_INFINITY : Number(name.slice(3)), count }))
    .filter((bucket) => !Number.isNaN(bucket.bound))
    .sort((a, b) => a.bound - b.bound);
  if (buckets.length === 0) return undefined;
  return { upperBoundsUs: buckets.map((b) => b.bound), counts: buckets.map((b) => b.count), sumUs: group.sum ?? 0 };
}

/**
 * The bucket bound at or below which `quantile` of the samples lie: an upper bound, not an
 * interpolation, so "p50 ≤ 64 µs" is what it says. Undefined without samples.
 */
export function rttQuantileUs(histogram: RttHistogram | undefined, quantile: number): number | undefined {
  if (!histogram) return undefined;
  const total = histogram.counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (const [index, count] of histogram.counts.entries()) {
    seen += count;
    if (seen >= quantile * total) return histogram.upperBoundsUs[index];
  }
  return histogram.upperBoundsUs.at(-1);
}

/** Names of counters that count something thrown away (see packages/native/runtime/counter_table.cpp). */
function isDrop(name: string): boolean {
  return name.startsWith("drop_") || name.endsWith("_dropped") || name === "tx_ring_full";
}

export function counterTotals(stats: Pick<InstanceStats, "counters">): CounterTotals {
  const { counters } = stats;
  const device = counters.device ?? {};
  const dropsByReason: Record<string, number> = {};
  for (const [group, values] of Object.entries(counters)) {
    if (group === "app") continue;
    for (const [name, value] of Object.entries(values)) {
      if (isDrop(name) && value > 0) dropsByReason[`${group}.${name}`] = value;
    }
  }
  const totals: CounterTotals = {
    rxPackets: device.rx_packets ?? 0,
    txPackets: device.tx_packets ?? 0,
    rxBytes: device.rx_bytes ?? 0,
    txBytes: device.tx_bytes ?? 0,
    drops: Object.values(dropsByReason).reduce((sum, value) => sum + value, 0),
    dropsByReason,
  };
  // Every stack publishes its TCP group; only apps that used TCP report TCP numbers (UDP apps: absent).
  const tcp = counters.tcp ?? {};
  const app = counters.app ?? {};
  const usedTcp = (tcp.passive_opens ?? 0) > 0 || (tcp.active_opens ?? 0) > 0 || app.accepted !== undefined;
  if (usedTcp && tcp.segments_retransmitted !== undefined) totals.retransmits = tcp.segments_retransmitted;
  if (usedTcp && tcp.connections_open !== undefined) totals.connections = tcp.connections_open;
  else if (app.accepted !== undefined) {
    totals.connections = Math.max(0, app.accepted - (app.closed ?? 0) - (app.reset ?? 0));
  }
  const rtt = rttHistogram(counters.tcp_rtt_us);
  if (rtt) totals.rtt = rtt;
  return totals;
}

/** A multi-queue instance's totals per queue (sluice run --queues), by queue; undefined for one queue. */
export function totalsByQueue(stats: Pick<InstanceStats, "queues">): Map<number, CounterTotals> | undefined {
  return stats.queues && new Map(stats.queues.map((q) => [q.queue, counterTotals(q)]));
}

export interface Rates {
  seconds: number;
  rxPps: number;
  txPps: number;
  rxMbps: number;
  txMbps: number;
  dropsPerSecond: number;
  retransmitsPerSecond?: number;
  /** Upper bound of the median round trip timed in the interval (see rttQuantileUs). */
  rttP50Us?: number;
}

/** Counter increase from `before` to `after`; a counter that went down means the instance restarted. */
export function counterDelta(before: CounterTotals | undefined, after: CounterTotals): CounterTotals {
  const restarted =
    before === undefined ||
    after.rxPackets < before.rxPackets ||
    after.txPackets < before.txPackets ||
    after.rxBytes < before.rxBytes ||
    after.txBytes < before.txBytes ||
    after.drops < before.drops;
  const base = restarted ? undefined : before;
  const dropsByReason: Record<string, number> = {};
  for (const [reason, value] of Object.entries(after.dropsByReason)) {
    const delta = value - (base?.dropsByReason[reason] ?? 0);
    if (delta > 0) dropsByReason[reason] = delta;
  }
  const delta: CounterTotals = {
    rxPackets: after.rxPackets - (base?.rxPackets ?? 0),
    txPackets: after.txPackets - (base?.txPackets ?? 0),
    rxBytes: after.rxBytes - (base?.rxBytes ?? 0),
    txBytes: after.txBytes - (base?.txBytes ?? 0),
    drops: after.drops - (base?.drops ?? 0),
    dropsByReason,
  };
  if (after.retransmits !== undefined) delta.retransmits = Math.max(0, after.retransmits - (base?.retransmits ?? 0));
  if (after.connections !== undefined) delta.connections = after.connections;
  if (after.rtt) {
    const previous = base?.rtt;
    delta.rtt = {
      upperBoundsUs: after.rtt.upperBoundsUs,
      counts: after.rtt.counts.map((count, index) => Math.max(0, count - (previous?.counts[index] ?? 0))),
      sumUs: Math.max(0, after.rtt.sumUs - (previous?.sumUs ?? 0)),
    };
  }
  return delta;
}

export function ratesOf(delta: CounterTotals, seconds: number): Rates {
  const per = (value: number) => (seconds > 0 ? value / seconds : 0);
  return {
    seconds,
    rxPps: per(delta.rxPackets),
    txPps: per(delta.txPackets),
    rxMbps: per(delta.rxBytes * 8) / 1e6,
    txMbps: per(delta.txBytes * 8) / 1e6,
    dropsPerSecond: per(delta.drops),
    ...(delta.retransmits === undefined ? {} : { retransmitsPerSecond: per(delta.retransmits) }),
    ...(rttQuantileUs(delta.rtt, 0.5) === undefined ? {} : { rttP50Us: rttQuantileUs(delta.rtt, 0.5) }),
  };
}
