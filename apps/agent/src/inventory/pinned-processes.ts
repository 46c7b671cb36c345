// Cores other processes hold: a user-space process whose CPU affinity is one core alone is, by the
// usual convention, a poller that owns that core (taskset -c N, a DPDK lcore, another agent's app).
// Threads count too: a DPDK or Sluice app often leaves its main thread free and pins only its
// pollers. Kernel threads are pinned per CPU by design and are not counted.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCpuList } from "./cpu-list.js";

export interface PinnedProcess {
  pid: number;
  command: string;
  core: number;
  /** Set when a thread other than the main one holds the core. */
  thread?: { tid: number; name: string };
}

const PF_KTHREAD = 0x00200000;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process exited while we looked
  }
}

function commandOf(stat: string): string {
  return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
}

/** The one core a task may run on, or undefined when it may run on several (or vanished). */
function soleCore(statusPath: string): number | undefined {
  const allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(read(statusPath) ?? "")?.[1];
  if (allowed === undefined) return undefined;
  try {
    const cores = parseCpuList(allowed);
    return cores.length === 1 ? cores[0] : undefined;
  } catch {
    return undefined;
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return []; // the process exited while we looked
  }
}

/**
 * Processes with a task pinned to exactly one core (the process itself, or one of its threads),
 * except those in `exclude` (our own instances and shims). One entry per process and core.
 */
export function pinnedProcesses(exclude: ReadonlySet<number> = new Set(), proc = "/proc"): PinnedProcess[] {
  const pinned: PinnedProcess[] = [];
  for (const name of listDir(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (exclude.has(pid) || pid === process.pid) continue;
    const stat = read(join(proc, name, "stat"));
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if ((Number(fields[6]) & PF_KTHREAD) !== 0) continue; // field 9 of stat: flags
    const command = commandOf(stat);
    const cores = new Set<number>();
    const main = soleCore(join(proc, name, "status"));
    if (main !== undefined) {
      cores.add(main);
      pinned.push({ pid, command, core: main });
    }
    for (const task of listDir(join(proc, name, "task"))) {
      if (task === name || !/^\d+$/.test(task)) continue;
      const core = soleCore(join(proc, name, "task", task, "status"));
      if (core === undefined || cores.has(core)) continue;
      cores.add(core);
      const threadName = commandOf(read(join(proc, name, "task", task, "stat")) ?? "()");
      pinned.push({ pid, command, core, thread: { tid: Number(task), name: threadName } });
    }
  }
  return pinned;
}

/** Why `cores` cannot be had, or undefined when no other process is pinned to any of them. */
export function coreConflict(cores: readonly number[], pinned: readonly PinnedProcess[]): string | undefined {
  for (const core of cores) {
    const holders = pinned.filter((p) => p.core === core);
    if (holders.length > 0) {
      const named = holders
        .slice(0, 3)
        .map((p) => `pid ${p.pid} (${p.command})${p.thread ? ` thread ${p.thread.tid} (${p.thread.name})` : ""}`);
      const more = holders.length > 3 ? ` and ${holders.length - 3} more` : "";
      return `core ${core} is taken by another process: ${named.join(", ")}${more} is pinned to it alone`;
    }
  }
  return undefined;
}
