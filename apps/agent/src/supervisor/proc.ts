// Facts about a process from /proc: is it alive, what is it running, and when did it start (so a
// reused pid with the same command line is still told apart).
import { readFileSync } from "node:fs";

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A zombie answers signal 0 but runs nothing.
  return processState(pid) !== "Z";
}

export function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw.endsWith("\0") ? raw.slice(0, -1).split("\0") : raw.split("\0");
  } catch {
    return undefined;
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may contain spaces or parentheses itself.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function processState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
export function startTime(pid: number): number | undefined {
  const field = statFields(pid)?.[19];
  return field === undefined ? undefined : Number(field);
}

export function sameArgv(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((arg, index) => arg === b[index]);
}
