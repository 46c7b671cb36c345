// The machine a run was measured on: CPU and memory from /proc, the kernel, physical NICs and their
// drivers from the agent's inventory (`sluice nics --json`, the same code the dashboard shows), the commit.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import type { Machine } from "./types.js";

export function cpuModel(cpuinfo: string): string {
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
}

export function memoryGiB(meminfo: string): number {
  const kib = Number(/^MemTotal:\s*(\d+) kB$/m.exec(meminfo)?.[1] ?? 0);
  return Math.round((kib / 2 ** 20) * 10) / 10;
}

interface InventoryNic {
  name: string;
  driver: string | null;
  virtual: boolean;
  loopback: boolean;
}

export function describeNics(nics: InventoryNic[]): string[] {
  return nics.filter((n) => !n.virtual && !n.loopback).map((n) => `${n.name} (${n.driver ?? "no driver"})`);
}

export function describeMachine(sluiceBin: string, repo: string): Machine {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  const inventory = spawnSync(process.execPath, [sluiceBin, "nics", "--json"], { encoding: "utf8" });
  let nics: string[] = [];
  try {
    nics = describeNics((JSON.parse(inventory.stdout) as { nics: InventoryNic[] }).nics);
  } catch {
    nics = [`unknown (sluice nics: ${inventory.stderr.trim() || "no output"})`];
  }
  const git = (args: string[]) => spawnSync("git", args, { cwd: repo, encoding: "utf8" }).stdout.trim();
  const commit = git(["rev-parse", "--short", "HEAD"]) || "unknown";
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  return {
    cpu: cpuModel(read("/proc/cpuinfo")),
    cores: cpus().length,
    memoryGiB: memoryGiB(read("/proc/meminfo")),
    kernel: release(),
    node: process.version,
    nics,
    commit: dirty ? `${commit} (with uncommitted changes)` : commit,
  };
}
