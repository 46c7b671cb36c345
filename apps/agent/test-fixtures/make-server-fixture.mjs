// Writes test-fixtures/server: a 2-socket server with SMT, isolated cores, 1G and 2M hugepages, a
// multi-queue ice NIC on NUMA node 1, a second port of it bound to vfio-pci, and an igb NIC on node 0.
// There is no such machine to record here, so this follows the layout `sluice node --record` records
// from a real one (symlinks, attribute names and formats as the kernel writes them).
// Run: node make-server-fixture.mjs (it replaces ./server).
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "server");
rmSync(root, { recursive: true, force: true });
const file = (path, text) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), `${text}\n`);
};
const link = (path, target) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  symlinkSync(target, join(root, path));
};
const dir = (path) => file(`${path}/.recorded`, "");

const isolated = "2-3,6-7,10-11,14-15";
file("proc/sys/kernel/osrelease", "6.1.0-27-amd64");
file("proc/sys/kernel/hostname", "edge-07");
file(
  "proc/cmdline",
  `BOOT_IMAGE=/vmlinuz-6.1.0-27-amd64 root=UUID=3f6c ro quiet default_hugepagesz=1G hugepagesz=1G hugepages=8 hugepagesz=2M hugepages=1024 isolcpus=managed_irq,domain,${isolated} nohz_full=6-7,14-15 iommu=pt intel_iommu=on`,
);
file(
  "proc/meminfo",
  ["MemTotal:       263856128 kB", "MemFree:        240123456 kB", "MemAvailable:   245678912 kB"].join("\n"),
);

// 2 sockets x 4 cores x 2 threads; Linux numbers first threads 0-7, their SMT siblings 8-15.
const cpu = "sys/devices/system/cpu";
file(`${cpu}/online`, "0-15");
file(`${cpu}/possible`, "0-15");
file(`${cpu}/present`, "0-15");
file(`${cpu}/isolated`, isolated);
for (let n = 0; n < 16; n += 1) {
  const thread0 = n % 8;
  const socket = Math.floor(thread0 / 4);
  file(`${cpu}/cpu${n}/topology/physical_package_id`, String(socket));
  file(`${cpu}/cpu${n}/topology/core_id`, String(thread0 % 4));
  file(`${cpu}/cpu${n}/topology/thread_siblings_list`, `${thread0},${thread0 + 8}`);
}

const node = "sys/devices/system/node";
file(`${node}/online`, "0-1");
file(`${node}/possible`, "0-1");
const nodes = [
  { cpus: "0-3,8-11", totalKb: 131928064, freeKb: 120061728, huge1g: [2, 2], huge2m: [512, 500] },
  { cpus: "4-7,12-15", totalKb: 131928064, freeKb: 120061728, huge1g: [6, 4], huge2m: [512, 500] },
];
const pool = (base, size, [total, free]) => {
  file(`${base}/hugepages-${size}kB/nr_hugepages`, String(total));
  file(`${base}/hugepages-${size}kB/free_hugepages`, String(free));
};
for (const [n, info] of nodes.entries()) {
  file(`${node}/node${n}/cpulist`, info.cpus);
  file(
    `${node}/node${n}/meminfo`,
    [`Node ${n} MemTotal:       ${info.totalKb} kB`, `Node ${n} MemFree:        ${info.freeKb} kB`].join("\n"),
  );
  pool(`${node}/node${n}/hugepages`, 1048576, info.huge1g);
  pool(`${node}/node${n}/hugepages`, 2048, info.huge2m);
}
pool("sys/kernel/mm/hugepages", 1048576, [8, 6]);
pool("sys/kernel/mm/hugepages", 2048, [1024, 1000]);

const pciDevice = (address, bridge, numa, driver, pciClass) => {
  const path = `sys/devices/pci0000:${bridge}/0000:${bridge}:01.0/${address}`;
  file(`${path}/numa_node`, String(numa));
  file(`${path}/class`, pciClass);
  link(`${path}/driver`, `../../../../bus/pci/drivers/${driver}`);
  dir(`sys/bus/pci/drivers/${driver}`);
  link(`sys/bus/pci/devices/${address}`, `../../../devices/pci0000:${bridge}/0000:${bridge}:01.0/${address}`);
  return path;
};
const netdev = (iface, devicePath, attrs, queues) => {
  const path = `${devicePath}/net/${iface}`;
  link(`sys/class/net/${iface}`, `../../${path.slice("sys/".length)}`);
  link(`${path}/device`, `../../../${devicePath.split("/").at(-1)}`);
  for (const [name, value] of Object.entries(attrs)) file(`${path}/${name}`, String(value));
  for (let q = 0; q < queues; q += 1) {
    dir(`${path}/queues/rx-${q}`);
    dir(`${path}/queues/tx-${q}`);
  }
};
const ethtool = (iface, channels, driverInfo) => {
  file(`ethtool/${iface}-l.txt`, channels);
  file(`ethtool/${iface}-i.txt`, driverInfo);
};
const channels = (maxCombined, combined) =>
  [
    `Channel parameters for IFACE:`,
    "Pre-set maximums:",
    "RX:\t\tn/a",
    "TX:\t\tn/a",
    "Other:\t\t1",
    `Combined:\t${maxCombined}`,
    "Current hardware settings:",
    "RX:\t\tn/a",
    "TX:\t\tn/a",
    "Other:\t\t1",
    `Combined:\t${combined}`,
  ].join("\n");
const nicAttrs = (ifindex, mac, speed) => ({
  address: mac,
  operstate: "up",
  carrier: 1,
  speed,
  mtu: 9000,
  type: 1,
  ifindex,
});

const igb = pciDevice("0000:02:00.0", "00", 0, "igb", "0x020000");
netdev("eno1", igb, { ...nicAttrs(2, "3c:ec:ef:10:20:30", 1000), mtu: 1500 }, 8);
ethtool(
  "eno1",
  channels(8, 8).replace("IFACE", "eno1"),
  "driver: igb\nversion: 6.1.0-27-amd64\nbus-info: 0000:02:00.0",
);

const ice = pciDevice("0000:81:00.0", "80", 1, "ice", "0x020000");
netdev("ens1f0", ice, nicAttrs(4, "b4:96:91:aa:bb:c0", 100000), 16);
ethtool(
  "ens1f0",
  channels(64, 16).replace("IFACE", "ens1f0"),
  "driver: ice\nversion: 6.1.0-27-amd64\nbus-info: 0000:81:00.0",
);

// The second port is handed to DPDK: vfio-pci owns it, so it has no netdev.
pciDevice("0000:81:00.1", "80", 1, "vfio-pci", "0x020000");
// A non-network PCI device bound to vfio-pci (an NVMe drive for a VM) must not show as a NIC.
pciDevice("0000:82:00.0", "80", 1, "vfio-pci", "0x010802");

const loopback = "sys/devices/virtual/net/lo";
link("sys/class/net/lo", "../../devices/virtual/net/lo");
for (const [name, value] of Object.entries({
  address: "00:00:00:00:00:00",
  operstate: "unknown",
  carrier: 1,
  mtu: 65536,
  type: 772,
  ifindex: 1,
})) {
  file(`${loopback}/${name}`, String(value));
}
dir(`${loopback}/queues/rx-0`);
dir(`${loopback}/queues/tx-0`);
