// What an agent reports about its node. The control plane stores it and derives NIC, queue and core rows from it.
import { z } from "zod";

export const macAddress = z
  .string()
  .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, "a MAC address is six lowercase hex pairs separated by colons");

/** Linux interface names are at most 15 bytes and cannot contain '/' or whitespace. */
export const interfaceName = z
  .string()
  .min(1)
  .max(15)
  .regex(/^[^\s/]+$/, "an interface name has no whitespace or '/'");

export const numaNode = z.number().int().min(0).max(1023);

export const nicInventory = z.object({
  name: interfaceName,
  driver: z.string().min(1).max(64),
  mac: macAddress,
  /** Link speed in Mbit/s; null when the link is down or the driver does not say. */
  speedMbps: z.number().int().positive().nullable(),
  /** Combined RX/TX channels the NIC exposes; a data-path app owns whole queues. */
  queueCount: z.number().int().min(1).max(1024),
  xdp: z.enum(["native", "generic", "none"]),
  numaNode: numaNode.nullable(),
});

export const cpuInventory = z.object({
  cpu: z.number().int().min(0).max(8191),
  numaNode,
  /** Other logical CPUs on the same physical core (hyperthreads), not including this one. */
  smtSiblings: z.array(z.number().int().min(0).max(8191)).max(7),
  /** In the kernel's isolcpus/nohz_full set, so the scheduler leaves it alone. */
  isolated: z.boolean(),
});

export const memoryInventory = z.object({
  totalBytes: z.number().int().nonnegative(),
  hugepages: z.array(
    z.object({
      sizeBytes: z.number().int().positive(),
      total: z.number().int().nonnegative(),
      free: z.number().int().nonnegative(),
    }),
  ),
});

export const backendName = z.enum(["afxdp", "dpdk", "tap", "kernel", "sim"]);

export const backendSupport = z.object({
  backend: backendName,
  usable: z.boolean(),
  /** Why the backend cannot run here; absent when usable. */
  reason: z.string().max(500).optional(),
});

export const nodeInventory = z
  .object({
    hostname: z.string().min(1).max(253),
    kernel: z.string().min(1).max(200),
    nics: z.array(nicInventory).max(64),
    cpus: z.array(cpuInventory).min(1).max(8192),
    memory: memoryInventory,
    backends: z.array(backendSupport),
  })
  .superRefine((inventory, issues) => {
    const seenNics = new Set<string>();
    inventory.nics.forEach((nic, index) => {
      if (seenNics.has(nic.name)) {
        issues.addIssue({ code: "custom", path: ["nics", index, "name"], message: `NIC ${nic.name} is listed twice` });
      }
      seenNics.add(nic.name);
    });
    const cpuNumbers = new Set(inventory.cpus.map((cpu) => cpu.cpu));
    if (cpuNumbers.size !== inventory.cpus.length) {
      issues.addIssue({ code: "custom", path: ["cpus"], message: "a CPU is listed twice" });
    }
    inventory.cpus.forEach((cpu, index) => {
      for (const sibling of cpu.smtSiblings) {
        if (sibling === cpu.cpu || !cpuNumbers.has(sibling)) {
          issues.addIssue({
            code: "custom",
            path: ["cpus", index, "smtSiblings"],
            message: `CPU ${cpu.cpu} names sibling ${sibling}, which is not another listed CPU`,
          });
        }
      }
    });
  });

export type NicInventory = z.infer<typeof nicInventory>;
export type CpuInventory = z.infer<typeof cpuInventory>;
export type NodeInventory = z.infer<typeof nodeInventory>;
export type BackendName = z.infer<typeof backendName>;
