// Per-minute rollups: each series' minute summarised from its ring (averages over the seconds that had data, and
// the peak), written to stats_rollups in batches, and anything older than a day pruned.
//
// Every replica holds the same live data and may write the same minute. The upsert keeps the row made from more
// seconds, so a replica that started mid-minute cannot overwrite a complete minute with a partial one.
import { type Executor, statsRollups } from "@sluice/db";
import { lt, sql } from "drizzle-orm";
import type { SecondsRing } from "./ring.js";
import { METRIC_COUNT } from "./series.js";
import type { LiveStore } from "./store.js";

export type RollupRow = typeof statsRollups.$inferInsert;

export const ROLLUP_RETENTION_MS = 24 * 60 * 60 * 1000;
const BATCH_ROWS = 500;

/** The summary of one series over the minute starting at epoch second `minuteStart`, or null without data. */
export function rollupMinute(key: string, ring: SecondsRing, minuteStart: number): RollupRow | null {
  const sums = new Float64Array(METRIC_COUNT);
  let seconds = 0;
  let peak = 0;
  for (let second = minuteStart; second < minuteStart + 60; second += 1) {
    if (!ring.has(second)) continue;
    seconds += 1;
    for (let metric = 0; metric < METRIC_COUNT; metric += 1) sums[metric]! += ring.get(second, metric)!;
    peak = Math.max(peak, ring.get(second, 0)! + ring.get(second, 1)!);
  }
  if (seconds === 0) return null;
  const average = (metric: number) => sums[metric]! / seconds;
  return {
    series: key,
    minute: new Date(minuteStart * 1000),
    seconds,
    rxBitsPerSecond: average(0),
    txBitsPerSecond: average(1),
    rxPacketsPerSecond: average(2),
    txPacketsPerSecond: average(3),
    dropsPerSecond: average(4),
    retransmitsPerSecond: average(5),
    connections: average(6),
    peakBitsPerSecond: peak,
  };
}

export function rollupStore(store: LiveStore, minuteStart: number): RollupRow[] {
  const rows: RollupRow[] = [];
  store.forEachSeries((key, ring) => {
    const row = rollupMinute(key, ring, minuteStart);
    if (row) rows.push(row);
  });
  return rows;
}

/** Upserts the rows in batches; returns how many rows were written. */
export async function writeRollups(db: Executor, rows: readonly RollupRow[]): Promise<number> {
  let written = 0;
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    const result = await db
      .insert(statsRollups)
      .values(batch)
      .onConflictDoUpdate({
        target: [statsRollups.series, statsRollups.minute],
        set: {
          seconds: sql`excluded.seconds`,
          rxBitsPerSecond: sql`excluded.rx_bits_per_second`,
          txBitsPerSecond: sql`excluded.tx_bits_per_second`,
          rxPacketsPerSecond: sql`excluded.rx_packets_per_second`,
          txPacketsPerSecond: sql`excluded.tx_packets_per_second`,
          dropsPerSecond: sql`excluded.drops_per_second`,
          retransmitsPerSecond: sql`excluded.retransmits_per_second`,
          connections: sql`excluded.connections`,
          peakBitsPerSecond: sql`excluded.peak_bits_per_second`,
        },
        setWhere: sql`excluded.seconds > ${statsRollups.seconds}`,
      })
      .returning({ series: statsRollups.series });
    written += result.length;
  }
  return written;
}

/** Deletes rollups older than the retention; returns how many. */
export async function pruneRollups(db: Executor, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - ROLLUP_RETENTION_MS);
  const deleted = await db.delete(statsRollups).where(lt(statsRollups.minute, cutoff)).returning({
    series: statsRollups.series,
  });
  return deleted.length;
}
