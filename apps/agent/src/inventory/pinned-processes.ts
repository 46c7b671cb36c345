// Cores other processes hold: a user-space process whose CPU affinity is one core alone is, by the
// usual convention, a poller that owns that core (taskset -c N, a DPDK lcore, another agent's app).
// Kernel threads are pinned per CPU by design and are not counted.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCpuList } from "./cpu-list.js";

export interface PinnedProcess {
  pid: number;
  command: string;
  core: number;
}

const PF_KTHREAD = 0x00200000;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process exited while we looked
  }
}

/** Processes pinned to exactly one core, except those in `exclude` (our own instances and shims). */
export function pinnedProcesses(exclude: ReadonlySet<number> = new Set(), proc = "/proc"): PinnedProcess[] {
  const pinned: PinnedProcess[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (exclude.has(pid) || pid === process.pid) continue;
    const stat = read(join(proc, name, "stat"));
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if ((Number(fields[6]) & PF_KTHREAD) !== 0) continue; // field 9 of stat: flags
    const allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(read(join(proc, name, "status")) ?? "")?.[1];
    if (allowed === undefined) continue;
    let cores: number[];
    try {
      cores = parseCpuList(allowed);
    } catch {
      continue;
    }
    if (cores.length !== 1) continue;
    pinned.push({ pid, command: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), core: cores[0]! });
  }
  return pinned;
}

/** Why `cores` cannot be had, or undefined when no other process is pinned to any of them. */
export function coreConflict(cores: readonly number[], pinned: readonly PinnedProcess[]): string | undefined {
  for (const core of cores) {
    const holders = pinned.filter((p) => p.core === core);
    if (holders.length > 0) {
      const named = holders.slice(0, 3).map((p) => `pid ${p.pid} (${p.command})`);
      const more = holders.length > 3 ? ` and ${holders.length - 3} more` : "";
      return `core ${core} is taken by another process: ${named.join(", ")}${more} is pinned to it alone`;
    }
  }
  return undefined;
}
