// The inventory against recorded system trees: a small VM (recorded from the development machine
// with `sluice node --record`) and a 2-socket server (test-fixtures/make-server-fixture.mjs).
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readNodeInventory } from "./node.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../test-fixtures/${name}`, import.meta.url));
const allUsable = () => [
  { backend: "xdp" as const, usable: true, reason: "" },
  { backend: "tap" as const, usable: true, reason: "" },
  { backend: "kernel" as const, usable: true, reason: "" },
];

describe("inventory of the recorded 2-socket server", () => {
  const node = readNodeInventory({ root: fixture("server"), probe: allUsable, packetSockets: true });

  it("reads kernel, hostname and the kernel's own parameters", () => {
    expect(node.kernel.release).toBe("6.1.0-27-amd64");
    expect(node.hostname).toBe("edge-07");
    expect(node.kernel.cmdline).toContain("iommu=pt");
  });

  it("maps CPUs to NUMA nodes, sockets and SMT siblings", () => {
    expect(node.cpus.online).toEqual([...Array(16).keys()]);
    expect(node.cpus.numaNodes).toEqual([0, 1]);
    expect(node.cpus.smt).toBe(true);
    expect(node.cpus.cpus[5]).toEqual({ cpu: 5, node: 1, socket: 1, core: 1, siblings: [5, 13], isolated: false });
    expect(node.cpus.cpus[14]).toEqual({ cpu: 14, node: 1, socket: 1, core: 2, siblings: [6, 14], isolated: true });
    expect(node.cpus.cpus.filter((c) => c.node === 0).map((c) => c.cpu)).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
  });

  it("takes isolated cores from sysfs, isolcpus= (flags dropped) and nohz_full=", () => {
    expect(node.cpus.isolation).toEqual({
      sysfs: [2, 3, 6, 7, 10, 11, 14, 15],
      isolcpus: [2, 3, 6, 7, 10, 11, 14, 15],
      nohzFull: [6, 7, 14, 15],
    });
    expect(node.cpus.isolated).toEqual([2, 3, 6, 7, 10, 11, 14, 15]);
  });

  it("reads memory and hugepages per size and per NUMA node", () => {
    expect(node.memory.totalBytes).toBe(263856128 * 1024);
    expect(node.memory.hugepages).toEqual([
      { pageBytes: 2 * 2 ** 20, total: 1024, free: 1000 },
      { pageBytes: 2 ** 30, total: 8, free: 6 },
    ]);
    expect(node.memory.nodes[1]).toEqual({
      node: 1,
      totalBytes: 131928064 * 1024,
      freeBytes: 120061728 * 1024,
      hugepages: [
        { pageBytes: 2 * 2 ** 20, total: 512, free: 500 },
        { pageBytes: 2 ** 30, total: 6, free: 4 },
      ],
    });
  });

  it("reads the multi-queue NIC: PCI address, NUMA node 1, queues now and at most, native XDP", () => {
    const nic = node.nics.find((n) => n.name === "ens1f0")!;
    expect(nic).toMatchObject({
      netdev: true,
      mac: "b4:96:91:aa:bb:c0",
      driver: "ice",
      pciAddress: "0000:81:00.0",
      virtual: false,
      operstate: "up",
      carrier: true,
      speedMbps: 100000,
      mtu: 9000,
      numaNode: 1,
      queues: { rx: 16, tx: 16, maxRx: 64, maxTx: 64 },
      xdp: { mode: "native" },
      dpdk: { usable: true, via: "vdev" },
    });
    expect(node.nics.find((n) => n.name === "eno1")).toMatchObject({ numaNode: 0, queues: { rx: 8, maxRx: 8 } });
  });

  it("lists the vfio-bound port as a DPDK PCI port, and not the vfio-bound NVMe drive", () => {
    expect(node.nics.map((n) => n.name)).toEqual(["eno1", "ens1f0", "lo", "0000:81:00.1"]);
    expect(node.nics.at(-1)).toMatchObject({
      netdev: false,
      driver: "vfio-pci",
      numaNode: 1,
      xdp: { mode: "none" },
      dpdk: { usable: true, via: "pci", reason: "bound to vfio-pci" },
    });
  });

  it("reports all four backends in CLI order, DPDK usable with hugepages and a PCI port", () => {
    expect(node.backends.map((b) => [b.backend, b.usable])).toEqual([
      ["xdp", true],
      ["dpdk", true],
      ["tap", true],
      ["kernel", true],
    ]);
    expect(node.backends[1]!.reason).toBe("vdevs net_af_xdp, net_af_packet; PCI ports 0000:81:00.1");
  });
});

describe("inventory of the recorded VM", () => {
  const node = readNodeInventory({ root: fixture("vm"), probe: allUsable, packetSockets: false });

  it("reads two online CPUs on one node, no SMT, nothing isolated, and no init arguments", () => {
    expect(node.cpus.online).toEqual([0, 1]);
    expect(node.cpus.numaNodes).toEqual([0]);
    expect(node.cpus.smt).toBe(false);
    expect(node.cpus.isolated).toEqual([]);
    expect(node.kernel.cmdline).not.toContain("--firecracker-init");
  });

  it("reads the virtio NIC behind its PCI function, and virtual devices without one", () => {
    expect(node.nics.find((n) => n.name === "eth0")).toMatchObject({
      driver: "virtio_net",
      pciAddress: "0000:00:03.0",
      virtual: false,
      numaNode: undefined,
      queues: { rx: 1, tx: 1, maxRx: 1, maxTx: 1 },
      xdp: { mode: "native" },
    });
    expect(node.nics.find((n) => n.name === "lo")).toMatchObject({
      loopback: true,
      virtual: true,
      dpdk: { usable: false },
    });
  });

  it("has no hugepages reserved, so DPDK is usable through vdevs only", () => {
    expect(node.memory.hugepages.every((p) => p.total === 0)).toBe(true);
    expect(node.backends[1]).toEqual({
      backend: "dpdk",
      usable: true,
      reason: "vdevs net_af_xdp; no NIC bound to vfio-pci/uio",
    });
  });

  it("reports DPDK unusable with the reason when neither AF_XDP nor packet sockets are there", () => {
    const bare = readNodeInventory({ root: fixture("vm"), probe: () => [], packetSockets: false });
    expect(bare.backends[1]).toEqual({
      backend: "dpdk",
      usable: false,
      reason: "no AF_XDP and no CAP_NET_RAW for vdevs; no NIC bound to vfio-pci/uio",
    });
    expect(bare.backends[0]).toEqual({ backend: "xdp", usable: false, reason: "not probed" });
  });
});
