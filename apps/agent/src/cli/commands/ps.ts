// `sluice ps`: the instances in the state dir, with liveness checked against /proc the same way
// adoption checks it (a recorded pid that now runs something else is not shown as running).
import type { Command } from "commander";
import { isAlive, readCmdline, sameArgv, startTime } from "../../supervisor/proc.js";
import { type InstanceRecord, StateStore } from "../../supervisor/state-store.js";
import { addStateDirOption, type StateDirFlags } from "../state-dir-option.js";
import { formatTable, toJson } from "../table.js";

export interface PsEntry {
  id: string;
  app: string;
  pid: number | undefined;
  state: string;
  /** Whether the recorded pid is alive and still runs this instance's program. */
  alive: boolean;
  uptimeSeconds: number | undefined;
  restarts: number;
  cores: number[];
  nic: string | undefined;
  queues: number[];
  reason: string | undefined;
  logError: string | undefined;
}

function running(record: InstanceRecord): boolean {
  const { pid } = record;
  return (
    pid !== undefined &&
    isAlive(pid) &&
    sameArgv(readCmdline(pid), record.spec.program) &&
    (record.pidStartTime === undefined || startTime(pid) === record.pidStartTime)
  );
}

export function psEntry(record: InstanceRecord, now = Date.now()): PsEntry {
  const alive = running(record);
  const recordedRunning = record.state === "starting" || record.state === "ready" || record.state === "stopping";
  return {
    id: record.spec.id,
    app: record.spec.app,
    pid: alive ? record.pid : undefined,
    // The agent that recorded "ready" may be gone, and the app with it: say what is true now.
    state: recordedRunning && !alive ? "gone" : record.state,
    alive,
    uptimeSeconds:
      alive && record.startedAt ? Math.max(0, Math.round((now - Date.parse(record.startedAt)) / 1000)) : undefined,
    restarts: record.restarts,
    cores: record.spec.cores,
    nic: record.spec.nic,
    queues: record.spec.queues,
    reason: record.reason,
    logError: record.logError,
  };
}

export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return "-";
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

export function registerPsCommand(program: Command): void {
  addStateDirOption(
    program
      .command("ps")
      .description("list the instances the agent supervises: pid, state, uptime, restarts, cores, queues")
      .option("--json", "print one JSON object"),
  ).action((options: StateDirFlags & { json?: boolean }) => {
    const entries = new StateStore(options.stateDir).list().map((record) => psEntry(record));
    if (options.json) {
      console.log(toJson({ stateDir: options.stateDir, instances: entries }));
      return;
    }
    if (entries.length === 0) {
      console.log(`no instances in ${options.stateDir}`);
      return;
    }
    console.log(
      formatTable(
        ["ID", "APP", "PID", "STATE", "UPTIME", "RESTARTS", "CORES", "QUEUE"],
        entries.map((e) => [
          e.id,
          e.app,
          e.pid === undefined ? "-" : String(e.pid),
          e.state,
          formatUptime(e.uptimeSeconds),
          String(e.restarts),
          e.cores.join(",") || "-",
          e.nic ? `${e.nic}:${e.queues.join(",") || "-"}` : "-",
        ]),
      ),
    );
  });
}
