// CPUs as placement sees them: which are online, on which NUMA node, which share a physical core
// (SMT siblings), and which the kernel keeps for us (isolated, tickless).
import { parseCpuList } from "./cpu-list.js";
import { kernelParameter } from "./kernel.js";
import type { SystemTree } from "./sysfs.js";

export interface CpuInfo {
  cpu: number;
  /** NUMA node, or undefined on a kernel without NUMA support. */
  node: number | undefined;
  socket: number | undefined;
  core: number | undefined;
  /** All hardware threads of this CPU's physical core, itself included. */
  siblings: number[];
  isolated: boolean;
}

export interface CpuInventory {
  online: number[];
  cpus: CpuInfo[];
  /** Union of the three sources below: cores no ordinary task is scheduled on. */
  isolated: number[];
  isolation: {
    /** /sys/devices/system/cpu/isolated: what the scheduler actually isolates. */
    sysfs: number[];
    /** isolcpus= on the kernel command line, flags (domain, nohz, managed_irq) dropped. */
    isolcpus: number[];
    /** nohz_full= on the kernel command line. */
    nohzFull: number[];
  };
  smt: boolean;
  numaNodes: number[];
}

const CPU_DIR = "sys/devices/system/cpu";
const NODE_DIR = "sys/devices/system/node";

function cpuList(text: string | undefined): number[] {
  if (text === undefined) return [];
  try {
    return parseCpuList(text);
  } catch {
    return [];
  }
}

/** isolcpus=[flag,...,]LIST: flags are words, the rest is a CPU list. */
export function parseIsolcpus(value: string | undefined): number[] {
  if (value === undefined) return [];
  const list = value
    .split(",")
    .filter((part) => !/^[a-z_]+$/.test(part))
    .join(",");
  return cpuList(list);
}

export function numaNodes(tree: SystemTree): number[] {
  const online = tree.text(`${NODE_DIR}/online`);
  if (online !== undefined) return cpuList(online);
  return tree
    .list(NODE_DIR)
    .flatMap((name) => (/^node(\d+)$/.exec(name) ? [Number(name.slice(4))] : []))
    .sort((a, b) => a - b);
}

export function readCpus(tree: SystemTree, cmdline: readonly string[]): CpuInventory {
  const online = cpuList(tree.text(`${CPU_DIR}/online`));
  const nodes = numaNodes(tree);
  const nodeOf = new Map<number, number>();
  for (const node of nodes)
    for (const cpu of cpuList(tree.text(`${NODE_DIR}/node${node}/cpulist`))) nodeOf.set(cpu, node);
  const isolation = {
    sysfs: cpuList(tree.text(`${CPU_DIR}/isolated`)),
    isolcpus: parseIsolcpus(kernelParameter(cmdline, "isolcpus")),
    nohzFull: cpuList(kernelParameter(cmdline, "nohz_full")),
  };
  const isolated = [...new Set([...isolation.sysfs, ...isolation.isolcpus, ...isolation.nohzFull])].sort(
    (a, b) => a - b,
  );
  const cpus = online.map((cpu): CpuInfo => {
    const topology = `${CPU_DIR}/cpu${cpu}/topology`;
    const siblings = cpuList(tree.text(`${topology}/thread_siblings_list`));
    return {
      cpu,
      node: nodeOf.get(cpu),
      socket: tree.integer(`${topology}/physical_package_id`),
      core: tree.integer(`${topology}/core_id`),
      siblings: siblings.length > 0 ? siblings : [cpu],
      isolated: isolated.includes(cpu),
    };
  });
  return { online, cpus, isolated, isolation, smt: cpus.some((c) => c.siblings.length > 1), numaNodes: nodes };
}
