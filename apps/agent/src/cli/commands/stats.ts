// `sluice stats [--app NAME] [--watch] [--json] [--state-dir DIR]`: per-instance rates (rx/tx pps
// and Mbit/s, drops, retransmits, connections) from the same stats files the agent samples, so it
// works with or without a running agent. One table after a one-second measurement; --watch redraws
// it every second (ANSI clear) until interrupted; --json prints one object per measurement.
import type { Command } from "commander";
import { type CounterReading, readCounters, renderStatsTable, statsRow } from "../../stats/stats-table.js";
import { StateStore } from "../../supervisor/state-store.js";
import { addStateDirOption, type StateDirFlags } from "../state-dir-option.js";
import { toJson } from "../table.js";
import { psEntry } from "./ps.js";

interface StatsFlags extends StateDirFlags {
  app?: string;
  watch?: boolean;
  json?: boolean;
}

const CLEAR = "\x1b[H\x1b[2J";

export function registerStatsCommand(program: Command): void {
  addStateDirOption(
    program
      .command("stats")
      .description("live per-instance rates like top: rx/tx pps and Mbit/s, drops, retransmits, connections")
      .option("--app <name>", "only instances of this app")
      .option("--watch", "refresh every second until interrupted")
      .option("--json", "print JSON instead of a table"),
  ).action(async (flags: StatsFlags) => {
    const store = new StateStore(flags.stateDir);
    let previous = new Map<string, CounterReading | { error: string }>();
    let previousAt = Date.now();
    const measure = () => {
      const records = store.list().filter((record) => flags.app === undefined || record.spec.app === flags.app);
      const now = Date.now();
      const readings = new Map(records.map((record) => [record.spec.id, readCounters(flags.stateDir, record.spec.id)]));
      const rows = records.map((record) =>
        statsRow(
          record,
          psEntry(record).state,
          previous.get(record.spec.id),
          readings.get(record.spec.id)!,
          (now - previousAt) / 1000,
        ),
      );
      previous = readings;
      previousAt = now;
      return rows;
    };
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      measure();
      do {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const rows = measure();
        if (flags.json) {
          console.log(toJson({ stateDir: flags.stateDir, at: new Date().toISOString(), instances: rows }));
        } else if (rows.length === 0) {
          process.stdout.write(
            `${flags.watch ? CLEAR : ""}no instances in ${flags.stateDir}${flags.app ? ` for app ${flags.app}` : ""}\n`,
          );
        } else {
          process.stdout.write(`${flags.watch ? CLEAR : ""}${renderStatsTable(rows)}\n`);
        }
      } while (flags.watch && !stop);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  });
}
