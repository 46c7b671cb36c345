// `sluice node`: kernel, CPUs (NUMA, SMT, isolation), memory and hugepages, NICs and usable backends.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import type { Command } from "commander";
import { formatCpuList } from "../../inventory/cpu-list.js";
import { systemEthtool } from "../../inventory/ethtool.js";
import { formatBytes, type HugepagePool } from "../../inventory/memory.js";
import { type NodeInventory, readNodeInventory } from "../../inventory/node.js";
import { recordSystemTree } from "../../inventory/record.js";
import { UsageError } from "../exit-codes.js";
import { addInventoryRootOption, type InventoryRootFlags, inventorySources } from "../inventory-options.js";
import { formatTable, toJson } from "../table.js";
import { NIC_HEADER, nicRow } from "./nics.js";

const bytes = (value: number | undefined) => (value === undefined ? "-" : formatBytes(value));
const list = (cpus: number[]) => (cpus.length === 0 ? "none" : formatCpuList(cpus));
const pools = (hugepages: HugepagePool[]) =>
  hugepages.length === 0
    ? "none"
    : hugepages.map((p) => `${formatBytes(p.pageBytes)}: ${p.free} free of ${p.total}`).join(", ");

export function formatNode(node: NodeInventory): string {
  const { cpus, memory } = node;
  const lines = [
    `hostname   ${node.hostname ?? "-"}`,
    `kernel     ${node.kernel.release}`,
    `cpus       ${list(cpus.online)} online, ${cpus.numaNodes.length} NUMA node(s), SMT ${cpus.smt ? "on" : "off"}`,
    `isolated   ${list(cpus.isolated)} (sysfs ${list(cpus.isolation.sysfs)}, isolcpus ${list(cpus.isolation.isolcpus)}, nohz_full ${list(cpus.isolation.nohzFull)})`,
    `memory     ${bytes(memory.totalBytes)} total, ${bytes(memory.availableBytes)} available`,
    `hugepages  ${pools(memory.hugepages)}`,
    "",
    formatTable(
      ["CPU", "NODE", "SOCKET", "CORE", "SIBLINGS", "ISOLATED"],
      cpus.cpus.map((c) => [
        String(c.cpu),
        String(c.node ?? "-"),
        String(c.socket ?? "-"),
        String(c.core ?? "-"),
        formatCpuList(c.siblings),
        c.isolated ? "yes" : "",
      ]),
    ),
    "",
    formatTable(
      ["NODE", "MEMORY", "FREE", "HUGEPAGES"],
      memory.nodes.map((n) => [String(n.node), bytes(n.totalBytes), bytes(n.freeBytes), pools(n.hugepages)]),
    ),
    "",
    formatTable(NIC_HEADER, node.nics.map(nicRow)),
    "",
    formatTable(
      ["BACKEND", "USABLE", "WHY"],
      node.backends.map((b) => [b.backend, b.usable ? "yes" : "no", b.reason || "-"]),
    ),
  ];
  return lines.join("\n");
}

function record(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`--record ${dir} is not empty`);
  mkdirSync(dir, { recursive: true });
  recordSystemTree("/", dir, systemEthtool);
  console.log(`recorded this machine's system tree into ${dir}`);
}

export function registerNodeCommand(program: Command): void {
  addInventoryRootOption(
    program
      .command("node")
      .description("show this node's kernel, CPUs, memory, hugepages, NICs and usable LibOS backends")
      .option("--json", "print one JSON object")
      .option("--record <dir>", "record the system files this command reads into DIR (for test fixtures)"),
  ).action((options: InventoryRootFlags & { json?: boolean; record?: string }) => {
    if (options.record !== undefined) {
      record(options.record);
      return;
    }
    const node = readNodeInventory(inventorySources(options));
    console.log(options.json ? toJson(node) : formatNode(node));
  });
}
