// NICs as placement needs them: queues (current and maximum), NUMA node, link, and which Sluice
// backends can drive them. Kernel netdevs come from /sys/class/net; NICs bound to vfio-pci or a uio
// driver have no netdev any more, so they are found on the PCI bus instead.
import { type Channels, type EthtoolSource, parseChannels, parseDriverInfo } from "./ethtool.js";
import type { SystemTree } from "./sysfs.js";

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
/** Drivers that hand a PCI device to user space, where DPDK's PCI drivers can take it. */
export const DPDK_PCI_DRIVERS = new Set(["vfio-pci", "uio_pci_generic", "igb_uio"]);
/** Kernel drivers with native (driver-mode) XDP; anything else runs XDP in generic (skb) mode. */
export const NATIVE_XDP_DRIVERS = new Set([
  "veth",
  "virtio_net",
  "tun",
  "mlx4_en",
  "mlx5_core",
  "i40e",
  "ice",
  "idpf",
  "ixgbe",
  "ixgbevf",
  "igb",
  "igc",
  "bnxt_en",
  "nfp",
  "qede",
  "ena",
  "gve",
  "sfc",
  "hv_netvsc",
  "thunder-nicvf",
  "enetc",
  "stmmaceth",
  "fec",
  "mvneta",
  "mvpp2",
]);

export interface QueueCounts {
  /** Queues the device has now (sysfs `queues/rx-N`, `queues/tx-N`). */
  rx: number;
  tx: number;
  /** Most the driver could be given (`ethtool -l` pre-set maximums: combined + dedicated). */
  maxRx: number | undefined;
  maxTx: number | undefined;
  channels: Channels | undefined;
}

export interface NicInfo {
  /** Kernel interface name, or the PCI address for a NIC bound to a user-space driver. */
  name: string;
  netdev: boolean;
  mac: string | undefined;
  driver: string | undefined;
  pciAddress: string | undefined;
  virtual: boolean;
  loopback: boolean;
  operstate: string | undefined;
  carrier: boolean | undefined;
  speedMbps: number | undefined;
  mtu: number | undefined;
  queues: QueueCounts;
  numaNode: number | undefined;
  xdp: { mode: "native" | "generic" | "none"; reason: string };
  dpdk: { usable: boolean; via: "pci" | "vdev" | undefined; reason: string };
}

/** The PCI address in a resolved device path: the innermost component that looks like one. */
export function pciAddressInPath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return path
    .split("/")
    .filter((part) => PCI_ADDRESS.test(part))
    .at(-1);
}

function pciDirectory(devicePath: string, address: string): string {
  return devicePath.slice(0, devicePath.lastIndexOf(address) + address.length);
}

function node(value: number | undefined): number | undefined {
  return value === undefined || value < 0 ? undefined : value;
}

function queueCount(tree: SystemTree, iface: string, prefix: "rx-" | "tx-"): number {
  return tree.list(`sys/class/net/${iface}/queues`).filter((name) => name.startsWith(prefix)).length;
}

function maxQueues(channels: Channels | undefined, dedicated: "rx" | "tx"): number | undefined {
  if (!channels) return undefined;
  const { combined, [dedicated]: own } = channels.max;
  if (combined === undefined && own === undefined) return undefined;
  return (combined ?? 0) + (own ?? 0);
}

function xdpSupport(driver: string | undefined, loopback: boolean): NicInfo["xdp"] {
  if (driver && NATIVE_XDP_DRIVERS.has(driver)) return { mode: "native", reason: `driver ${driver} has native XDP` };
  if (loopback) return { mode: "generic", reason: "loopback: generic (skb) XDP only" };
  return { mode: "generic", reason: `driver ${driver ?? "unknown"} has no native XDP: generic (skb) mode` };
}

function readNetdev(tree: SystemTree, ethtool: EthtoolSource, iface: string): NicInfo {
  const dir = `sys/class/net/${iface}`;
  const devicePath = tree.resolve(`${dir}/device`);
  const loopback = tree.integer(`${dir}/type`) === 772;
  const pciAddress = pciAddressInPath(devicePath);
  const pciDir = devicePath && pciAddress ? pciDirectory(devicePath, pciAddress) : undefined;
  const driverInfo = ethtool.driverInfo(iface);
  const driver = tree.linkName(`${dir}/device/driver`) ?? (driverInfo ? parseDriverInfo(driverInfo).driver : undefined);
  const channelsText = ethtool.channels(iface);
  const channels = channelsText ? parseChannels(channelsText) : undefined;
  const carrier = tree.integer(`${dir}/carrier`);
  const speed = tree.integer(`${dir}/speed`);
  return {
    name: iface,
    netdev: true,
    mac: tree.text(`${dir}/address`),
    driver,
    pciAddress,
    virtual: devicePath === undefined || devicePath.startsWith("/sys/devices/virtual/"),
    loopback,
    operstate: tree.text(`${dir}/operstate`),
    carrier: carrier === undefined ? undefined : carrier === 1,
    speedMbps: speed === undefined || speed < 0 ? undefined : speed,
    mtu: tree.integer(`${dir}/mtu`),
    queues: {
      rx: queueCount(tree, iface, "rx-"),
      tx: queueCount(tree, iface, "tx-"),
      maxRx: maxQueues(channels, "rx"),
      maxTx: maxQueues(channels, "tx"),
      channels,
    },
    numaNode: node(
      tree.integer(`${dir}/device/numa_node`) ?? (pciDir ? tree.integer(`${pciDir}/numa_node`) : undefined),
    ),
    xdp: xdpSupport(driver, loopback),
    dpdk: loopback
      ? { usable: false, via: undefined, reason: "loopback" }
      : {
          usable: true,
          via: "vdev",
          reason: pciAddress
            ? `PCI ${pciAddress} is bound to kernel driver ${tree.linkName(`${pciDir}/driver`) ?? "none"}: DPDK runs it through net_af_xdp or net_af_packet; bind it to vfio-pci for the PCI driver`
            : "no PCI address: DPDK runs it through net_af_xdp or net_af_packet",
        },
  };
}

/** A NIC handed to vfio-pci or uio: no netdev, no XDP, DPDK's PCI driver can take it. */
function readUserSpaceBoundNic(tree: SystemTree, address: string): NicInfo | undefined {
  const dir = `sys/bus/pci/devices/${address}`;
  const driver = tree.linkName(`${dir}/driver`);
  const pciClass = tree.text(`${dir}/class`);
  if (!driver || !DPDK_PCI_DRIVERS.has(driver) || !pciClass?.startsWith("0x02")) return undefined;
  return {
    name: address,
    netdev: false,
    mac: undefined,
    driver,
    pciAddress: address,
    virtual: false,
    loopback: false,
    operstate: undefined,
    carrier: undefined,
    speedMbps: undefined,
    mtu: undefined,
    queues: { rx: 0, tx: 0, maxRx: undefined, maxTx: undefined, channels: undefined },
    numaNode: node(tree.integer(`${dir}/numa_node`)),
    xdp: { mode: "none", reason: `bound to ${driver}: no kernel netdev to attach XDP to` },
    dpdk: { usable: true, via: "pci", reason: `bound to ${driver}` },
  };
}

export function readNics(tree: SystemTree, ethtool: EthtoolSource): NicInfo[] {
  // /sys/class/net also holds plain files such as bonding_masters; every netdev has an ifindex.
  const netdevs = tree.list("sys/class/net").filter((name) => tree.text(`sys/class/net/${name}/ifindex`) !== undefined);
  const bound = tree.list("sys/bus/pci/devices").flatMap((address) => readUserSpaceBoundNic(tree, address) ?? []);
  return [...netdevs.map((iface) => readNetdev(tree, ethtool, iface)), ...bound];
}
