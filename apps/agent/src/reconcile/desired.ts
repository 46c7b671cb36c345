// The desired state the control plane sends (later over the network; for now as data), and the
// node's resources it is checked against.
import { formatCpuList } from "../inventory/cpu-list.js";
import type { NodeInventory } from "../inventory/node.js";

export interface DesiredInstance {
  id: string;
  app: string;
  version: string;
  /** For runtime "sluice": the arguments after `sluice` (`run echo ...`, no --core); else the program's argv. */
  argv: string[];
  runtime?: "sluice" | "program";
  /** For runtime "program": a stdout line starting with this means ready (sluice apps print `ready `). */
  readyPrefix?: string;
  /** Extra environment for the program (set through `env`, which execs it in place). */
  env?: Record<string, string>;
  cores: number[];
  nic?: string;
  queues: number[];
}

export interface NodeResources {
  onlineCpus: number[];
  /** Queue count per NIC name; undefined when the NIC's queues are not known (bound to vfio-pci). */
  nicQueues: Map<string, number | undefined>;
}

export function nodeResources(inventory: NodeInventory): NodeResources {
  return {
    onlineCpus: inventory.cpus.online,
    nicQueues: new Map(
      inventory.nics.map((nic) => [nic.name, nic.netdev ? Math.min(nic.queues.rx, nic.queues.tx) : undefined]),
    ),
  };
}

export interface Rejection {
  id: string;
  reason: string;
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** What is wrong with one instance on its own, against the node (not against other instances). */
export function checkAgainstNode(instance: DesiredInstance, node: NodeResources): string | undefined {
  if (!ID.test(instance.id) || instance.id === "." || instance.id === "..") {
    return `instance id "${instance.id}" must be 1-64 characters of A-Z a-z 0-9 _ . -`;
  }
  if (instance.argv.length === 0) return "argv is empty";
  if (instance.cores.length === 0) return "no cores: every instance is pinned to at least one core";
  if (new Set(instance.cores).size !== instance.cores.length) return `cores ${instance.cores.join(",")} repeat a core`;
  for (const core of instance.cores) {
    if (!node.onlineCpus.includes(core)) {
      return `core ${core} is not online on this node (online: ${formatCpuList(node.onlineCpus) || "none"})`;
    }
  }
  if (instance.queues.length > 0 && instance.nic === undefined) return "queues given without a nic";
  if (instance.nic !== undefined) {
    if (!node.nicQueues.has(instance.nic)) {
      return `NIC "${instance.nic}" does not exist on this node (NICs: ${[...node.nicQueues.keys()].join(", ")})`;
    }
    const count = node.nicQueues.get(instance.nic);
    if (new Set(instance.queues).size !== instance.queues.length)
      return `queues ${instance.queues.join(",")} repeat a queue`;
    for (const queue of instance.queues) {
      if (count !== undefined && queue >= count) {
        return `queue ${queue} of ${instance.nic} does not exist (${instance.nic} has ${count} queue${count === 1 ? "" : "s"}: 0${count > 1 ? `-${count - 1}` : ""})`;
      }
    }
  }
  return undefined;
}
