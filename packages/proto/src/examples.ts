// Builds realistic inventories for tests and demos: NUMA nodes, SMT pairs, NICs attached to a NUMA node.
import type { CpuInventory, NicInventory, NodeInventory } from "./inventory.js";

export interface ExampleInventoryOptions {
  hostname: string;
  numaNodes?: number;
  /** Physical cores per NUMA node. */
  coresPerNuma?: number;
  /** Logical CPUs per physical core (1 = no SMT, 2 = hyperthreads). */
  threadsPerCore?: 1 | 2;
  /** CPU numbers in the kernel's isolated set. */
  isolated?: number[];
  nics?: Array<Partial<NicInventory> & { name: string }>;
}

/**
 * CPUs are numbered the way Linux usually does on two-socket machines: first every core's first thread,
 * then every core's second thread, so CPU c and c + physicalCores are siblings.
 */
export function exampleInventory(options: ExampleInventoryOptions): NodeInventory {
  const numaNodes = options.numaNodes ?? 1;
  const coresPerNuma = options.coresPerNuma ?? 4;
  const threads = options.threadsPerCore ?? 1;
  const physicalCores = numaNodes * coresPerNuma;
  const isolated = new Set(options.isolated ?? []);
  const cpus: CpuInventory[] = [];
  for (let thread = 0; thread < threads; thread += 1) {
    for (let core = 0; core < physicalCores; core += 1) {
      const cpu = thread * physicalCores + core;
      const siblings = [];
      for (let other = 0; other < threads; other += 1) {
        if (other !== thread) siblings.push(other * physicalCores + core);
      }
      cpus.push({ cpu, numaNode: Math.floor(core / coresPerNuma), smtSiblings: siblings, isolated: isolated.has(cpu) });
    }
  }
  const nics = (options.nics ?? [{ name: "eth0" }]).map((nic, index) => ({
    driver: "ixgbe",
    mac: `02:00:00:00:00:${(index + 1).toString(16).padStart(2, "0")}`,
    speedMbps: 10_000,
    queueCount: 4,
    xdp: "native" as const,
    numaNode: 0,
    ...nic,
  }));
  return {
    hostname: options.hostname,
    kernel: "6.1.0-test",
    nics,
    cpus,
    memory: { totalBytes: 16 * 2 ** 30, hugepages: [{ sizeBytes: 2 * 2 ** 20, total: 512, free: 512 }] },
    backends: [
      { backend: "afxdp", usable: true },
      { backend: "dpdk", usable: false, reason: "no NIC is bound to vfio-pci" },
    ],
  };
}
