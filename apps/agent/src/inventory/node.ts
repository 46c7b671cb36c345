// Everything the agent knows about its node, gathered from one system tree.
import { type BackendSupport, probeBackends } from "@sluice/libos";
import { type BackendStatus, dpdkSupport, nodeBackends, processHasNetRaw } from "./backends.js";
import { type CpuInventory, readCpus } from "./cpus.js";
import { type EthtoolSource, recordedEthtool, systemEthtool } from "./ethtool.js";
import { type KernelInfo, readKernel } from "./kernel.js";
import { type MemoryInventory, readMemory } from "./memory.js";
import { type NicInfo, readNics } from "./nics.js";
import { SystemTree } from "./sysfs.js";

export type { NicInfo } from "./nics.js";

export interface NodeInventory {
  hostname: string | undefined;
  kernel: KernelInfo;
  cpus: CpuInventory;
  memory: MemoryInventory;
  nics: NicInfo[];
  backends: BackendStatus[];
}

export interface InventorySources {
  /** Root of the system tree: "/" for this machine, a fixture directory in tests. */
  root?: string;
  /** Defaults to running ethtool on this machine, or the ethtool output recorded in a tree. */
  ethtool?: EthtoolSource;
  /** The addon's backend probe; only meaningful for the machine the agent runs on (none for a tree). */
  probe?: () => BackendSupport[];
  packetSockets?: boolean;
}

export function readNodeInventory(sources: InventorySources = {}): NodeInventory {
  const tree = new SystemTree(sources.root ?? "/");
  const live = tree.root === "/";
  const kernel = readKernel(tree);
  const memory = readMemory(tree);
  const nics = readNics(tree, sources.ethtool ?? (live ? systemEthtool : recordedEthtool(tree.root)));
  const probed = (sources.probe ?? (live ? probeBackends : () => []))();
  const dpdk = dpdkSupport({
    xdpUsable: probed.some((b) => b.backend === "xdp" && b.usable),
    packetSockets: sources.packetSockets ?? (live && processHasNetRaw()),
    memory,
    nics,
  });
  return {
    hostname: tree.text("proc/sys/kernel/hostname"),
    kernel,
    cpus: readCpus(tree, kernel.cmdline),
    memory,
    nics,
    backends: nodeBackends(probed, dpdk),
  };
}
