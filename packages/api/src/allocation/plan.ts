// Deciding which cores and queues an instance gets on one node. Pure: it reads a snapshot and returns either a
// plan or the constraint that could not be met, so every rule can be tested without a database.
import type { AllocationRefusal } from "./errors.js";

export interface Owner {
  instanceId: string;
  app: string;
  allowSmtSharing: boolean;
}

export interface CpuSnapshot {
  id: number;
  cpu: number;
  numaNode: number;
  smtSiblings: number[];
  isolated: boolean;
  owner: Owner | null;
}

export interface NicSnapshot {
  id: number;
  name: string;
  numaNode: number | null;
  queues: Array<{ id: number; index: number; owner: Owner | null }>;
}

export interface NodeSnapshot {
  id: string;
  name: string;
  state: "joining" | "ready" | "degraded" | "down" | "draining" | "cordoned";
  nics: NicSnapshot[];
  cpus: CpuSnapshot[];
}

export interface AllocationRequest {
  app: string;
  cores: number;
  queues: number;
  /** A NIC by name; when absent and queues are wanted, the NIC with the most free queues. */
  nic?: string | undefined;
  /** Let other apps use the SMT siblings of these cores, and use siblings of cores whose owners allow it. */
  allowSmtSharing: boolean;
}

export interface AllocationPlan {
  nodeId: string;
  nic: { id: number; name: string } | null;
  cpus: Array<{ id: number; cpu: number }>;
  queues: Array<{ id: number; index: number }>;
  /** Preferences that could not be honoured, e.g. cores off the NIC's NUMA node. */
  notes: string[];
}

export type PlanResult = { ok: true; plan: AllocationPlan } | { ok: false; refusal: AllocationRefusal };

/** States in which a node takes new work. Joining nodes have not reported hardware yet. */
const SCHEDULABLE = new Set<NodeSnapshot["state"]>(["ready", "degraded"]);

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function chooseNic(node: NodeSnapshot, request: AllocationRequest): NicSnapshot | string | null {
  if (request.nic !== undefined) {
    const named = node.nics.find((nic) => nic.name === request.nic);
    return named ?? `has no NIC named ${request.nic} (it has ${node.nics.map((nic) => nic.name).join(", ") || "none"})`;
  }
  if (request.queues === 0) return null;
  const free = (nic: NicSnapshot) => nic.queues.filter((queue) => !queue.owner).length;
  const [best] = [...node.nics].sort((a, b) => free(b) - free(a) || a.name.localeCompare(b.name));
  return best ?? "has no NICs";
}

/** Why this CPU cannot go to the requesting app, or null when it can. */
function cpuBlocker(cpu: CpuSnapshot, byNumber: Map<number, CpuSnapshot>, request: AllocationRequest) {
  if (cpu.owner) return "owned" as const;
  for (const siblingNumber of cpu.smtSiblings) {
    const owner = byNumber.get(siblingNumber)?.owner;
    if (owner && owner.app !== request.app && !(owner.allowSmtSharing && request.allowSmtSharing)) {
      return "sibling" as const;
    }
  }
  return null;
}

export function planAllocation(node: NodeSnapshot, request: AllocationRequest): PlanResult {
  const refuse = (constraint: AllocationRefusal["constraint"], message: string): PlanResult => ({
    ok: false,
    refusal: { nodeId: node.id, nodeName: node.name, constraint, message },
  });
  if (!SCHEDULABLE.has(node.state)) return refuse("node-state", `node is ${node.state}`);

  const nicChoice = chooseNic(node, request);
  if (typeof nicChoice === "string") return refuse("nic", `node ${nicChoice}`);
  const freeQueues = (nicChoice?.queues ?? []).filter((queue) => !queue.owner).sort((a, b) => a.index - b.index);
  if (freeQueues.length < request.queues) {
    const total = nicChoice?.queues.length ?? 0;
    return refuse(
      "queues",
      `${plural(request.queues, "queue")} requested, NIC ${nicChoice?.name} has ${freeQueues.length} free of ${total}`,
    );
  }

  const byNumber = new Map(node.cpus.map((cpu) => [cpu.cpu, cpu]));
  const blockers = node.cpus.map((cpu) => ({ cpu, blocker: cpuBlocker(cpu, byNumber, request) }));
  const usable = blockers.filter((entry) => entry.blocker === null).map((entry) => entry.cpu);
  if (usable.length < request.cores) {
    const owned = blockers.filter((entry) => entry.blocker === "owned").length;
    const siblings = blockers.filter((entry) => entry.blocker === "sibling").length;
    if (usable.length + siblings >= request.cores) {
      return refuse(
        "smt-siblings",
        `${plural(request.cores, "core")} requested, ${usable.length} usable; ${plural(siblings, "more core")} ` +
          `are SMT siblings of cores owned by other apps (both sides must allow SMT sharing)`,
      );
    }
    return refuse(
      "cores",
      `${plural(request.cores, "core")} requested, ${usable.length} usable of ${node.cpus.length} ` +
        `(${owned} owned${siblings > 0 ? `, ${siblings} blocked as SMT siblings of other apps' cores` : ""})`,
    );
  }

  // Preference order: on the NIC's NUMA node, then isolated, then lowest CPU number.
  const localNuma = nicChoice?.numaNode ?? null;
  const rank = (cpu: CpuSnapshot) =>
    (localNuma !== null && cpu.numaNode !== localNuma ? 2 : 0) + (cpu.isolated ? 0 : 1);
  const chosen = usable.sort((a, b) => rank(a) - rank(b) || a.cpu - b.cpu).slice(0, request.cores);

  const notes: string[] = [];
  const remote = chosen.filter((cpu) => localNuma !== null && cpu.numaNode !== localNuma).length;
  if (remote > 0) notes.push(`${plural(remote, "core")} off NIC ${nicChoice?.name}'s NUMA node ${localNuma}`);
  const shared = chosen.filter((cpu) => cpu.smtSiblings.some((sibling) => byNumber.get(sibling)?.owner)).length;
  if (shared > 0) notes.push(`${plural(shared, "core")} on a physical core another instance also uses`);

  return {
    ok: true,
    plan: {
      nodeId: node.id,
      nic: nicChoice ? { id: nicChoice.id, name: nicChoice.name } : null,
      cpus: chosen.map((cpu) => ({ id: cpu.id, cpu: cpu.cpu })),
      queues: freeQueues.slice(0, request.queues).map((queue) => ({ id: queue.id, index: queue.index })),
      notes,
    },
  };
}
