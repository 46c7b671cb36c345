// `sluice nics`: the node's NICs, their queues, NUMA node, and which backends can drive them.
import type { Command } from "commander";
import { type NicInfo, readNodeInventory } from "../../inventory/node.js";
import { addInventoryRootOption, type InventoryRootFlags, inventorySources } from "../inventory-options.js";
import { formatTable, toJson } from "../table.js";

const dash = (value: string | number | undefined) => (value === undefined ? "-" : String(value));

export function nicRow(nic: NicInfo): string[] {
  const q = nic.queues;
  return [
    nic.name,
    dash(nic.driver),
    dash(nic.pciAddress),
    nic.netdev ? `${dash(nic.operstate)}${nic.carrier === false ? ",no-carrier" : ""}` : "user-space",
    nic.speedMbps === undefined ? "-" : `${nic.speedMbps}Mb/s`,
    dash(nic.mtu),
    `${q.rx}/${dash(q.maxRx)}`,
    `${q.tx}/${dash(q.maxTx)}`,
    dash(nic.numaNode),
    nic.xdp.mode,
    nic.dpdk.usable ? (nic.dpdk.via ?? "-") : "no",
    dash(nic.mac),
  ];
}

export const NIC_HEADER = ["NAME", "DRIVER", "PCI", "STATE", "SPEED", "MTU", "RX", "TX", "NUMA", "XDP", "DPDK", "MAC"];

export function registerNicsCommand(program: Command): void {
  addInventoryRootOption(
    program
      .command("nics")
      .description("list this node's NICs: queues (now/max), NUMA node, link, XDP and DPDK support")
      .option("--json", "print one JSON object"),
  ).action((options: InventoryRootFlags & { json?: boolean }) => {
    const { nics } = readNodeInventory(inventorySources(options));
    if (options.json) {
      console.log(toJson({ nics }));
      return;
    }
    console.log(formatTable(NIC_HEADER, nics.map(nicRow)));
  });
}
