// What an instance is: the program to run, where (cores, network namespace), and how its readiness
// shows. Sluice apps are pinned with their own --core flag; other programs through taskset. Both
// wrappers (taskset, ip netns exec) exec the program in place, so the process keeps the pid we
// spawned and its /proc/PID/cmdline becomes exactly `program` — which is what adoption checks.
import { fileURLToPath } from "node:url";

export interface InstanceSpec {
  /** Unique on this node; used in file names, so [A-Za-z0-9_.-] only. */
  id: string;
  /** What runs, for people and for `sluice ps` (e.g. "echo", "sockperf", "fake"). */
  app: string;
  /** The program's own argv, with pinning already applied for Sluice apps. */
  program: string[];
  /** Wrappers that exec the program: taskset, ip netns exec. */
  launcher: string[];
  cores: number[];
  nic?: string;
  queues: number[];
  /** A stdout line starting with this means ready; without it the instance is ready once started. */
  readyPrefix?: string;
  /** Per-instance log directory; the supervisor's when absent. */
  logDir?: string;
  /** Free-form version and config the reconciler compares to decide on a restart. */
  version?: string;
}

export interface SpecOptions {
  id: string;
  cores: number[];
  nic?: string;
  queues?: number[];
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  logDir?: string;
  version?: string;
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkInstanceId(id: string): void {
  if (!ID.test(id) || id === "." || id === "..") {
    throw new Error(`instance id "${id}" must be 1-64 characters of A-Z a-z 0-9 _ . -`);
  }
}

/** The `sluice` CLI of this repository (bin/sluice.js runs the built dist/). */
export const SLUICE_BIN = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));

function netnsLauncher(netns: string | undefined): string[] {
  return netns ? ["ip", "netns", "exec", netns] : [];
}

/** `sluice run ARGS --core N`: the data-path thread is pinned to the first core. */
export function sluiceAppSpec(args: string[], options: SpecOptions): InstanceSpec {
  checkInstanceId(options.id);
  if (args.includes("--core")) throw new Error("pass cores in the spec, not --core in the app's arguments");
  const [command, app] = args;
  const core = options.cores[0];
  return {
    id: options.id,
    app: command === "run" && app ? app : (command ?? "sluice"),
    program: [process.execPath, SLUICE_BIN, ...args, ...(core === undefined ? [] : ["--core", String(core)])],
    launcher: netnsLauncher(options.netns),
    cores: options.cores,
    nic: options.nic,
    queues: options.queues ?? [],
    readyPrefix: "ready ",
    logDir: options.logDir,
    version: options.version,
  };
}

/** Any program, pinned to its cores with taskset. */
export function programSpec(
  app: string,
  program: string[],
  options: SpecOptions & { readyPrefix?: string },
): InstanceSpec {
  checkInstanceId(options.id);
  if (program.length === 0) throw new Error("program must not be empty");
  const pin = options.cores.length > 0 ? ["taskset", "--cpu-list", options.cores.join(",")] : [];
  return {
    id: options.id,
    app,
    program,
    launcher: [...netnsLauncher(options.netns), ...pin],
    cores: options.cores,
    nic: options.nic,
    queues: options.queues ?? [],
    readyPrefix: options.readyPrefix,
    logDir: options.logDir,
    version: options.version,
  };
}
