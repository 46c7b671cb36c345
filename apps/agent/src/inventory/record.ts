// Records the part of a system tree the inventory readers use into a directory, symlinks included,
// so a machine's inventory can be replayed in tests (`sluice node --record DIR`). Values are copied
// as they are at recording time; nothing is invented.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { EthtoolSource } from "./ethtool.js";
import { SystemTree } from "./sysfs.js";

class Recorder {
  constructor(
    private readonly source: SystemTree,
    private readonly dest: string,
  ) {}

  /** Recreates every symlink on the way to `relative` and copies the file (or creates the directory). */
  record(relative: string, kind: "file" | "dir" = "file"): void {
    const parts = relative.split("/").filter(Boolean);
    let real = "";
    for (const part of parts) {
      const next = `${real}/${part}`;
      let stat: ReturnType<typeof lstatSync>;
      try {
        stat = lstatSync(this.source.path(next));
      } catch {
        return;
      }
      if (stat.isSymbolicLink()) {
        const link = join(this.dest, next);
        if (!existsSync(link) && !isLink(link)) {
          mkdirSync(dirname(link), { recursive: true });
          symlinkSync(readlinkSync(this.source.path(next)), link);
        }
        real = this.source.resolve(next) ?? next;
      } else {
        real = next;
      }
    }
    const target = join(this.dest, real);
    if (kind === "dir" || lstatSync(this.source.path(real)).isDirectory()) {
      mkdirSync(target, { recursive: true });
      return;
    }
    mkdirSync(dirname(target), { recursive: true });
    try {
      // Not copyFileSync: sysfs files claim a size of 4096, and copy_file_range spins on them.
      writeFileSync(target, readFileSync(this.source.path(real)));
    } catch {
      // Some sysfs attributes refuse reads (speed of a down link): record them as absent.
    }
  }

  /** A directory that must exist even if empty (git keeps no empty directories, so add a marker). */
  recordDir(relative: string): void {
    this.record(relative, "dir");
    const real = this.source.resolve(relative);
    if (real) writeFileSync(join(this.dest, real, ".recorded"), "");
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export function recordSystemTree(root: string, dest: string, ethtool: EthtoolSource): void {
  const source = new SystemTree(root);
  const recorder = new Recorder(source, realpathSync(dest));
  const files = (dir: string, names: string[]) => {
    for (const name of names) recorder.record(`${dir}/${name}`);
  };
  files("proc", ["cmdline", "meminfo", "sys/kernel/osrelease", "sys/kernel/hostname"]);
  const cpu = "sys/devices/system/cpu";
  files(cpu, ["online", "possible", "present", "isolated"]);
  for (const name of source.list(cpu).filter((n) => /^cpu\d+$/.test(n))) {
    files(`${cpu}/${name}/topology`, ["thread_siblings_list", "core_id", "physical_package_id"]);
  }
  const node = "sys/devices/system/node";
  files(node, ["online", "possible"]);
  for (const name of source.list(node).filter((n) => /^node\d+$/.test(n))) {
    files(`${node}/${name}`, ["cpulist", "meminfo"]);
    for (const pool of source.list(`${node}/${name}/hugepages`)) {
      files(`${node}/${name}/hugepages/${pool}`, ["nr_hugepages", "free_hugepages"]);
    }
  }
  for (const pool of source.list("sys/kernel/mm/hugepages")) {
    files(`sys/kernel/mm/hugepages/${pool}`, ["nr_hugepages", "free_hugepages"]);
  }
  for (const iface of source.list("sys/class/net")) {
    const dir = `sys/class/net/${iface}`;
    if (source.text(`${dir}/ifindex`) === undefined) continue;
    files(dir, ["address", "operstate", "carrier", "speed", "mtu", "type", "ifindex"]);
    for (const queue of source.list(`${dir}/queues`)) recorder.recordDir(`${dir}/queues/${queue}`);
    files(`${dir}/device`, ["numa_node", "driver"]);
    const device = source.resolve(`${dir}/device`);
    const pci = device?.match(/^(.*\/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])(\/|$)/)?.[1];
    if (pci) files(pci, ["numa_node", "driver", "class"]);
    for (const [flag, text] of [
      ["l", ethtool.channels(iface)],
      ["i", ethtool.driverInfo(iface)],
    ] as const) {
      if (text === undefined) continue;
      mkdirSync(join(dest, "ethtool"), { recursive: true });
      writeFileSync(join(dest, "ethtool", `${iface}-${flag}.txt`), text);
    }
  }
  for (const address of source.list("sys/bus/pci/devices")) {
    const dir = `sys/bus/pci/devices/${address}`;
    if (!source.text(`${dir}/class`)?.startsWith("0x02")) continue;
    files(dir, ["class", "numa_node", "driver"]);
  }
}
