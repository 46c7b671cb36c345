// The agent's inventory in the control plane's terms (@sluice/proto nodeInventory). The loopback
// device is not a NIC anyone can allocate; a NIC without a MAC (bound to vfio-pci) cannot be named
// by the schema yet, so it is left out rather than reported with an invented address.
import { hostname as osHostname } from "node:os";
import type { NodeInventory as ReportedInventory } from "@sluice/proto";
import type { NodeInventory } from "../inventory/node.js";

const BACKEND_NAMES = { xdp: "afxdp", dpdk: "dpdk", tap: "tap", kernel: "kernel" } as const;

export function inventoryReport(inventory: NodeInventory, name?: string): ReportedInventory {
  const online = new Set(inventory.cpus.online);
  return {
    hostname: name ?? inventory.hostname ?? osHostname(),
    kernel: inventory.kernel.release,
    nics: inventory.nics
      .filter((nic) => !nic.loopback && nic.mac !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(nic.mac))
      .slice(0, 64)
      .map((nic) => ({
        name: nic.name,
        driver: nic.driver ?? "unknown",
        mac: nic.mac!,
        speedMbps: nic.speedMbps !== undefined && nic.speedMbps > 0 ? nic.speedMbps : null,
        queueCount: Math.min(1024, Math.max(1, Math.min(nic.queues.rx, nic.queues.tx))),
        xdp: nic.xdp.mode,
        numaNode: nic.numaNode ?? null,
      })),
    cpus: inventory.cpus.cpus
      .filter((cpu) => online.has(cpu.cpu))
      .map((cpu) => ({
        cpu: cpu.cpu,
        numaNode: cpu.node ?? 0,
        smtSiblings: cpu.siblings.filter((sibling) => sibling !== cpu.cpu && online.has(sibling)).slice(0, 7),
        isolated: cpu.isolated,
      })),
    memory: {
      totalBytes: inventory.memory.totalBytes ?? 0,
      hugepages: inventory.memory.hugepages.map((pool) => ({
        sizeBytes: pool.pageBytes,
        total: pool.total,
        free: pool.free,
      })),
    },
    backends: inventory.backends.map((backend) => ({
      backend: BACKEND_NAMES[backend.backend],
      usable: backend.usable,
      ...(backend.usable || !backend.reason ? {} : { reason: backend.reason.slice(0, 500) }),
    })),
  };
}
