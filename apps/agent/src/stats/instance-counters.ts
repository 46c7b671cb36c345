// What the agent takes from an instance's stats file (written by the data path, read with
// @sluice/libos readInstanceStats): packets and bytes at the device, drops by reason from every
// layer, TCP retransmits when the file has them, and open connections for TCP apps.
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
  const retransmits = counters.tcp?.segments_retransmitted;
  if (retransmits !== undefined) totals.retransmits = retransmits;
  const app = counters.app ?? {};
  if (app.accepted !== undefined) {
    totals.connections = Math.max(0, app.accepted - (app.closed ?? 0) - (app.reset ?? 0));
  }
  return totals;
}

export interface Rates {
  seconds: number;
  rxPps: number;
  txPps: number;
  rxMbps: number;
  txMbps: number;
  dropsPerSecond: number;
  retransmitsPerSecond?: number;
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
  };
}
