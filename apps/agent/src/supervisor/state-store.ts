// The supervisor's state dir: one directory per instance holding `state.json` (the record below),
// `pid` (the app's pid, for people and scripts), `launch.json` (what the shim runs) and `exit.json`
// (written by the shim when the app exits). Writes go to a temporary file and are renamed into
// place, so a reader never sees half a record.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { LogPolicy } from "./rotating-log.js";
import type { InstanceSpec } from "./spec.js";

export type InstanceState = "starting" | "ready" | "backoff" | "stopping" | "stopped" | "crash-loop" | "failed";

export interface ExitRecord {
  code: number | null;
  signal: string | null;
  at: string;
  uptimeMs: number;
  /** Set when the program could not be started at all (spawn failed). */
  error?: string;
}

export interface CrashLoopReport {
  summary: string;
  exits: ExitRecord[];
  lastLogLines: string[];
}

export interface InstanceRecord {
  spec: InstanceSpec;
  state: InstanceState;
  pid?: number;
  shimPid?: number;
  /** /proc/PID/stat start time, so a reused pid is never mistaken for the instance. */
  pidStartTime?: number;
  startedAt?: string;
  readyAt?: string;
  readyLine?: string;
  /** Restarts after crashes since the instance was first started. */
  restarts: number;
  /** Crashes in a row, each before the instance had stayed up long enough to reset the count. */
  failures: number;
  exits: ExitRecord[];
  reason?: string;
  crashLoop?: CrashLoopReport;
  logFile: string;
  logPolicy: LogPolicy;
  logError?: string;
  updatedAt: string;
}

export interface LaunchFile {
  argv: string[];
  logFile: string;
  logPolicy: LogPolicy;
  readyPrefix?: string;
}

export interface ExitFile {
  code: number | null;
  signal: string | null;
  at: string;
  error?: string;
}

export const EXIT_HISTORY = 10;

/** /var/lib/sluice for root, else $XDG_STATE_HOME/sluice or ~/.local/state/sluice. */
export function defaultStateDir(): string {
  if (process.getuid?.() === 0) return "/var/lib/sluice";
  return join(process.env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "sluice");
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export class StateStore {
  readonly instancesDir: string;

  constructor(readonly dir: string) {
    this.instancesDir = join(dir, "instances");
  }

  instanceDir(id: string): string {
    return join(this.instancesDir, id);
  }

  /** Throws with the system's reason when the state dir cannot be written. */
  write(record: InstanceRecord): void {
    const dir = this.instanceDir(record.spec.id);
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, "state.json"), record);
    if (record.pid !== undefined && (record.state === "starting" || record.state === "ready")) {
      writeFileSync(join(dir, "pid"), `${record.pid}\n`);
    } else {
      rmSync(join(dir, "pid"), { force: true });
    }
  }

  read(id: string): InstanceRecord | undefined {
    return readJson<InstanceRecord>(join(this.instanceDir(id), "state.json"));
  }

  ids(): string[] {
    try {
      return readdirSync(this.instancesDir).sort();
    } catch {
      return [];
    }
  }

  list(): InstanceRecord[] {
    return this.ids().flatMap((id) => this.read(id) ?? []);
  }

  remove(id: string): void {
    rmSync(this.instanceDir(id), { recursive: true, force: true });
  }

  writeLaunch(id: string, launch: LaunchFile): string {
    const path = join(this.instanceDir(id), "launch.json");
    mkdirSync(this.instanceDir(id), { recursive: true });
    rmSync(join(this.instanceDir(id), "exit.json"), { force: true });
    writeJsonAtomic(path, launch);
    return path;
  }

  readExit(id: string): ExitFile | undefined {
    return readJson<ExitFile>(join(this.instanceDir(id), "exit.json"));
  }
}
