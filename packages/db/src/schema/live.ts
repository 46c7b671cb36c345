// Per-minute rollups of the live throughput series. The per-second data lives in memory only (packages/api
// src/live); one row per series and minute is written once a minute in batches and kept for a day.
import { doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const statsRollups = pgTable(
  "stats_rollups",
  {
    /** The live series key: `fleet`, `node:<id>`, `app:<name>`, `instance:<id>` or `queue:<instance id>:<queue>`. */
    series: text("series").notNull(),
    /** Start of the minute (UTC, whole minute). */
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    /** How many of the minute's 60 seconds had data; averages below are over these seconds. */
    seconds: integer("seconds").notNull(),
    rxBitsPerSecond: doublePrecision("rx_bits_per_second").notNull(),
    txBitsPerSecond: doublePrecision("tx_bits_per_second").notNull(),
    rxPacketsPerSecond: doublePrecision("rx_packets_per_second").notNull(),
    txPacketsPerSecond: doublePrecision("tx_packets_per_second").notNull(),
    dropsPerSecond: doublePrecision("drops_per_second").notNull(),
    retransmitsPerSecond: doublePrecision("retransmits_per_second").notNull(),
    connections: doublePrecision("connections").notNull(),
    /** The busiest second of the minute, rx + tx, so a short burst is not averaged away. */
    peakBitsPerSecond: doublePrecision("peak_bits_per_second").notNull(),
  },
  (table) => [
    primaryKey({ name: "stats_rollups_pkey", columns: [table.series, table.minute] }),
    // Pruning deletes by minute alone.
    index("stats_rollups_minute_idx").on(table.minute),
  ],
);
