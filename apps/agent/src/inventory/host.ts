// The node's own facts as the agent reports them. Issue-level detail (NICs, NUMA, hugepages) grows here.
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { type BackendSupport, probeBackends } from "@sluice/libos";

export interface HostSummary {
  kernel: string;
  onlineCpus: number[];
  memoryBytes: number;
  backends: BackendSupport[];
}

/** Parses a kernel CPU list such as "0-3,8,10-11". */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`malformed CPU list "${text.trim()}"`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new Error(`malformed CPU range "${part}"`);
    for (let cpu = first; cpu <= last; cpu += 1) cpus.push(cpu);
  }
  return cpus;
}

function onlineCpus(): number[] {
  try {
    return parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8"));
  } catch {
    return cpus().map((_, index) => index);
  }
}

export function readHostSummary(): HostSummary {
  return { kernel: release(), onlineCpus: onlineCpus(), memoryBytes: totalmem(), backends: probeBackends() };
}
