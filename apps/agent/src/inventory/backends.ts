// Which LibOS backends this node can run, named as the CLI names them (xdp, dpdk, tap, kernel), each
// with the reason when it cannot. xdp, tap and kernel are probed for real by the addon; DPDK cannot be
// probed without initialising its EAL (once per process), so its verdict is derived from the facts it
// depends on: vdevs need AF_XDP or packet sockets, PCI ports need hugepages and a vfio/uio-bound NIC.
import { readFileSync } from "node:fs";
import type { BackendSupport } from "@sluice/libos";
import type { MemoryInventory } from "./memory.js";
import type { NicInfo } from "./nics.js";

export type BackendName = "xdp" | "dpdk" | "tap" | "kernel";

export interface BackendStatus {
  backend: BackendName;
  usable: boolean;
  /** Empty when usable without caveats; otherwise why not, or which way it is usable. */
  reason: string;
}

export interface DpdkFacts {
  xdpUsable: boolean;
  /** CAP_NET_RAW: net_af_packet vdevs need packet sockets. */
  packetSockets: boolean;
  memory: MemoryInventory;
  nics: NicInfo[];
}

/** Whether this process holds CAP_NET_RAW (bit 13 of CapEff in /proc/self/status). */
export function processHasNetRaw(): boolean {
  try {
    const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? (BigInt(`0x${match[1]}`) & (1n << 13n)) !== 0n : false;
  } catch {
    return false;
  }
}

export function dpdkSupport(facts: DpdkFacts): BackendStatus {
  const pciPorts = facts.nics.filter((nic) => nic.dpdk.via === "pci");
  const hugepages = facts.memory.hugepages.some((pool) => pool.total > 0);
  const vdevs = [facts.xdpUsable ? "net_af_xdp" : "", facts.packetSockets ? "net_af_packet" : ""].filter(Boolean);
  const pci =
    pciPorts.length === 0
      ? "no NIC bound to vfio-pci/uio"
      : hugepages
        ? `PCI ports ${pciPorts.map((nic) => nic.name).join(", ")}`
        : `PCI ports ${pciPorts.map((nic) => nic.name).join(", ")} need hugepages, and none are reserved`;
  const pciUsable = pciPorts.length > 0 && hugepages;
  if (vdevs.length === 0 && !pciUsable) {
    return { backend: "dpdk", usable: false, reason: `no AF_XDP and no CAP_NET_RAW for vdevs; ${pci}` };
  }
  const vdev = vdevs.length > 0 ? `vdevs ${vdevs.join(", ")}` : "no vdevs (no AF_XDP, no CAP_NET_RAW)";
  return { backend: "dpdk", usable: true, reason: `${vdev}; ${pci}` };
}

/** The addon's probe results, in CLI order, with DPDK added after xdp. */
export function nodeBackends(probed: readonly BackendSupport[], dpdk: BackendStatus): BackendStatus[] {
  const byName = new Map(probed.map((b) => [b.backend, b]));
  const probedStatus = (backend: "xdp" | "tap" | "kernel"): BackendStatus => {
    const found = byName.get(backend);
    return found
      ? { backend, usable: found.usable, reason: found.reason }
      : { backend, usable: false, reason: "not probed" };
  };
  return [probedStatus("xdp"), dpdk, probedStatus("tap"), probedStatus("kernel")];
}
