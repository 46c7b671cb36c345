// Memory and hugepages, in total and per NUMA node: DPDK on a real NIC needs hugepages on the NIC's node.
import { numaNodes } from "./cpus.js";
import type { SystemTree } from "./sysfs.js";

export interface HugepagePool {
  pageBytes: number;
  total: number;
  free: number;
}

export interface NodeMemory {
  node: number;
  totalBytes: number | undefined;
  freeBytes: number | undefined;
  hugepages: HugepagePool[];
}

export interface MemoryInventory {
  totalBytes: number | undefined;
  availableBytes: number | undefined;
  hugepages: HugepagePool[];
  nodes: NodeMemory[];
}

/** "MemTotal:  24684092 kB" (or "Node 0 MemTotal: ..." in per-node meminfo) to bytes by key. */
export function parseMeminfo(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(?:Node \d+ )?([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
    if (match) values.set(match[1]!, Number(match[2]) * (line.includes("kB") ? 1024 : 1));
  }
  return values;
}

function hugepagePools(tree: SystemTree, dir: string): HugepagePool[] {
  return tree
    .list(dir)
    .flatMap((name) => {
      const match = /^hugepages-(\d+)kB$/.exec(name);
      if (!match) return [];
      return [
        {
          pageBytes: Number(match[1]) * 1024,
          total: tree.integer(`${dir}/${name}/nr_hugepages`) ?? 0,
          free: tree.integer(`${dir}/${name}/free_hugepages`) ?? 0,
        },
      ];
    })
    .sort((a, b) => a.pageBytes - b.pageBytes);
}

export function readMemory(tree: SystemTree): MemoryInventory {
  const meminfo = parseMeminfo(tree.text("proc/meminfo") ?? "");
  return {
    totalBytes: meminfo.get("MemTotal"),
    availableBytes: meminfo.get("MemAvailable"),
    hugepages: hugepagePools(tree, "sys/kernel/mm/hugepages"),
    nodes: numaNodes(tree).map((node) => {
      const dir = `sys/devices/system/node/node${node}`;
      const info = parseMeminfo(tree.text(`${dir}/meminfo`) ?? "");
      return {
        node,
        totalBytes: info.get("MemTotal"),
        freeBytes: info.get("MemFree"),
        hugepages: hugepagePools(tree, `${dir}/hugepages`),
      };
    }),
  };
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
