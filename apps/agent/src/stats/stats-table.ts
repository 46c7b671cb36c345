// `sluice stats` data: each instance's counters read twice from its stats file, turned into rates,
// and rendered as a `top`-like table with a node total line.
import { readInstanceStats } from "@sluice/libos";
import { formatTable } from "../cli/table.js";
import type { InstanceRecord } from "../supervisor/state-store.js";
import {
  type CounterTotals,
  counterDelta,
  counterTotals,
  type Rates,
  ratesOf,
  statsFilePath,
  totalsByQueue,
} from "./instance-counters.js";

export interface CounterReading {
  pid: number;
  publishedAtNanos: bigint;
  totals: CounterTotals;
  /** A multi-queue instance's counters per queue, by queue. */
  queues?: Map<number, CounterTotals>;
}

export function readCounters(stateDir: string, id: string): CounterReading | { error: string } {
  try {
    const stats = readInstanceStats(statsFilePath(stateDir, id), 10);
    return {
      pid: stats.pid,
      publishedAtNanos: stats.publishedAtNanos,
      totals: counterTotals(stats),
      ...(stats.queues ? { queues: totalsByQueue(stats) } : {}),
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export interface StatsRow {
  id: string;
  app: string;
  state: string;
  queue: string;
  rates?: Rates;
  totals?: CounterTotals;
  /** Why the row has no numbers. */
  note?: string;
  /** A multi-queue instance's queues, each as a row of its own (shown under the instance, not in the total). */
  queues?: StatsRow[];
}

export function statsRow(
  record: InstanceRecord,
  state: string,
  before: CounterReading | { error: string } | undefined,
  after: CounterReading | { error: string },
  fallbackSeconds: number,
): StatsRow {
  const row: StatsRow = {
    id: record.spec.id,
    app: record.spec.app,
    state,
    queue: record.spec.nic ? `${record.spec.nic}:${record.spec.queues.join(",") || "-"}` : "-",
  };
  // Unknown numbers are explicit (null in --json), like every other sluice JSON output.
  if ("error" in after) return { ...row, rates: undefined, totals: undefined, note: after.error };
  const previous = before && !("error" in before) && before.pid === after.pid ? before : undefined;
  const seconds = previous ? Number(after.publishedAtNanos - previous.publishedAtNanos) / 1e9 : 0;
  const rowOf = (base: CounterTotals | undefined, now: CounterTotals) => {
    const delta = counterDelta(base, now);
    return {
      totals: now,
      rates: ratesOf(
        previous ? delta : { ...delta, rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, drops: 0 },
        seconds > 0 ? seconds : fallbackSeconds,
      ),
    };
  };
  const queues = after.queues
    ? [...after.queues].map(([queue, totals]) => ({
        ...row,
        id: `${row.id}/${queue}`,
        queue: `${record.spec.nic ?? "-"}:${queue}`,
        ...rowOf(previous?.queues?.get(queue), totals),
      }))
    : undefined;
  return { ...row, ...rowOf(previous?.totals, after.totals), ...(queues ? { queues } : {}) };
}

const integer = (value: number | undefined) => (value === undefined ? "-" : Math.round(value).toLocaleString("en-US"));
const megabits = (value: number | undefined) => (value === undefined ? "-" : value.toFixed(2));
/** A bucket bound from the stack's round-trip histogram: the median is at most this. */
const roundTrip = (us: number | undefined) => {
  if (us === undefined) return "-";
  if (us === Number.POSITIVE_INFINITY) return "> 1 s";
  return us >= 1000 ? `≤ ${us / 1000} ms` : `≤ ${us} µs`;
};

export function renderStatsTable(rows: readonly StatsRow[]): string {
  const header = [
    "INSTANCE",
    "APP",
    "STATE",
    "QUEUE",
    "RX PPS",
    "TX PPS",
    "RX MBIT/S",
    "TX MBIT/S",
    "DROPS/S",
    "RETRANS/S",
    "CONNS",
    "RTT P50",
  ];
  const line = (row: StatsRow) => [
    row.id,
    row.app,
    row.state,
    row.queue,
    integer(row.rates?.rxPps),
    integer(row.rates?.txPps),
    megabits(row.rates?.rxMbps),
    megabits(row.rates?.txMbps),
    integer(row.rates?.dropsPerSecond),
    integer(row.rates?.retransmitsPerSecond),
    integer(row.totals?.connections),
    roundTrip(row.rates?.rttP50Us),
  ];
  const measured = rows.filter((row) => row.rates);
  const sum = (pick: (rates: Rates) => number | undefined) =>
    measured.reduce((total, row) => total + (pick(row.rates!) ?? 0), 0);
  const total: StatsRow = {
    id: "TOTAL",
    app: "",
    state: `${measured.length}/${rows.length}`,
    queue: "",
    rates: {
      seconds: 0,
      rxPps: sum((r) => r.rxPps),
      txPps: sum((r) => r.txPps),
      rxMbps: sum((r) => r.rxMbps),
      txMbps: sum((r) => r.txMbps),
      dropsPerSecond: sum((r) => r.dropsPerSecond),
      ...(measured.some((row) => row.rates?.retransmitsPerSecond !== undefined)
        ? { retransmitsPerSecond: sum((r) => r.retransmitsPerSecond) }
        : {}),
    },
    ...(measured.some((row) => row.totals?.connections !== undefined)
      ? {
          totals: {
            ...counterTotals({ counters: {} }),
            connections: measured.reduce((t, row) => t + (row.totals?.connections ?? 0), 0),
          },
        }
      : {}),
  };
  const table = formatTable(header, [
    ...rows.flatMap((row) => [line(row), ...(row.queues ?? []).map(line)]),
    line(total),
  ]);
  const notes = rows.filter((row) => row.note).map((row) => `${row.id}: ${row.note}`);
  return notes.length > 0 ? `${table}\n\n${notes.join("\n")}` : table;
}
