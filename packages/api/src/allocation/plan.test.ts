import { describe, expect, it } from "vitest";
import { type CpuSnapshot, type NodeSnapshot, type Owner, planAllocation } from "./plan.js";

/** Two NUMA nodes with 4 physical cores each and SMT: CPU c and c + 8 are siblings; NIC eth0 is on NUMA 1. */
function twoSocketNode(overrides: Partial<NodeSnapshot> = {}): NodeSnapshot {
  const cpus: CpuSnapshot[] = [];
  for (let cpu = 0; cpu < 16; cpu += 1) {
    const core = cpu % 8;
    cpus.push({
      id: 100 + cpu,
      cpu,
      numaNode: core < 4 ? 0 : 1,
      smtSiblings: [cpu < 8 ? cpu + 8 : cpu - 8],
      isolated: false,
      owner: null,
    });
  }
  return {
    id: "node-a",
    name: "edge-a",
    state: "ready",
    nics: [
      {
        id: 1,
        name: "eth0",
        numaNode: 1,
        queues: [0, 1, 2, 3].map((index) => ({ id: 10 + index, index, owner: null })),
      },
    ],
    cpus,
    ...overrides,
  };
}

const echo = { app: "echo", cores: 2, queues: 2, allowSmtSharing: false };
const other: Owner = { instanceId: "i-other", app: "firewall", allowSmtSharing: false };

function own(node: NodeSnapshot, cpus: number[], owner: Owner): NodeSnapshot {
  for (const cpu of node.cpus) if (cpus.includes(cpu.cpu)) cpu.owner = owner;
  return node;
}

describe("planAllocation", () => {
  it("takes cores on the NIC's NUMA node and the lowest free queues", () => {
    const result = planAllocation(twoSocketNode(), echo);
    expect(result).toEqual({
      ok: true,
      plan: {
        nodeId: "node-a",
        nic: { id: 1, name: "eth0" },
        cpus: [
          { id: 104, cpu: 4 },
          { id: 105, cpu: 5 },
        ],
        queues: [
          { id: 10, index: 0 },
          { id: 11, index: 1 },
        ],
        notes: [],
      },
    });
  });

  it("prefers isolated cores within the NUMA node", () => {
    const node = twoSocketNode();
    for (const cpu of node.cpus) cpu.isolated = cpu.cpu === 7 || cpu.cpu === 0;
    const result = planAllocation(node, { ...echo, cores: 2 });
    // 7 is local and isolated; 0 is isolated but remote, so the next local core (4) wins over it.
    expect(result.ok && result.plan.cpus.map((cpu) => cpu.cpu)).toEqual([7, 4]);
  });

  it("spills to the other NUMA node when it must, and says so", () => {
    const node = own(twoSocketNode(), [4, 5, 6, 12, 13, 14], { ...other, app: "echo" });
    const result = planAllocation(node, { ...echo, cores: 3, queues: 1 });
    expect(result.ok && result.plan.cpus.map((cpu) => cpu.cpu)).toEqual([7, 15, 0]);
    expect(result.ok && result.plan.notes).toEqual(["1 core off NIC eth0's NUMA node 1"]);
  });

  it("never gives another app the SMT sibling of an owned core", () => {
    const node = own(twoSocketNode(), [4], other);
    const result = planAllocation(node, { ...echo, cores: 4, queues: 0, nic: "eth0" });
    // 12 is 4's sibling and belongs to a physical core owned by the firewall.
    expect(result.ok && result.plan.cpus.map((cpu) => cpu.cpu)).toEqual([5, 6, 7, 13]);
  });

  it("lets the same app use the sibling of its own core", () => {
    const node = own(twoSocketNode(), [4], { ...other, app: "echo" });
    const result = planAllocation(node, { ...echo, cores: 1, queues: 0, nic: "eth0" });
    expect(result.ok && result.plan.cpus.map((cpu) => cpu.cpu)).toEqual([5]);
    const all = planAllocation(node, { ...echo, cores: 7, queues: 0, nic: "eth0" });
    expect(all.ok && all.plan.cpus.map((cpu) => cpu.cpu)).toContain(12);
    expect(all.ok && all.plan.notes).toContain("1 core on a physical core another instance also uses");
  });

  it("shares siblings only when both the owner and the request allow it", () => {
    const node = own(twoSocketNode(), [0, 1, 2, 3, 4, 5, 6, 7], { ...other, allowSmtSharing: true });
    const refused = planAllocation(node, { ...echo, cores: 1, queues: 0 });
    expect(refused).toMatchObject({ ok: false, refusal: { constraint: "smt-siblings" } });
    const allowed = planAllocation(node, { ...echo, cores: 1, queues: 0, allowSmtSharing: true });
    expect(allowed.ok && allowed.plan.cpus).toEqual([{ id: 108, cpu: 8 }]);
    const strictOwner = own(twoSocketNode(), [0, 1, 2, 3, 4, 5, 6, 7], other);
    const stillRefused = planAllocation(strictOwner, { ...echo, cores: 1, queues: 0, allowSmtSharing: true });
    expect(stillRefused.ok).toBe(false);
  });

  it.each(["draining", "down", "cordoned", "joining"] as const)("refuses a %s node", (state) => {
    expect(planAllocation(twoSocketNode({ state }), echo)).toEqual({
      ok: false,
      refusal: { nodeId: "node-a", nodeName: "edge-a", constraint: "node-state", message: `node is ${state}` },
    });
  });

  it("explains a queue shortage with the numbers", () => {
    const node = twoSocketNode();
    node.nics[0]!.queues[0]!.owner = other;
    node.nics[0]!.queues[2]!.owner = other;
    expect(planAllocation(node, { ...echo, queues: 3 })).toMatchObject({
      ok: false,
      refusal: { constraint: "queues", message: "3 queues requested, NIC eth0 has 2 free of 4" },
    });
  });

  it("explains a core shortage, counting owned and sibling-blocked cores", () => {
    const node = own(twoSocketNode(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], other);
    // 10..15 remain, but their siblings 2..7 are the firewall's.
    expect(planAllocation(node, { ...echo, cores: 7, queues: 0 })).toMatchObject({
      ok: false,
      refusal: {
        constraint: "cores",
        message: "7 cores requested, 0 usable of 16 (10 owned, 6 blocked as SMT siblings of other apps' cores)",
      },
    });
  });

  it("names a missing NIC and the ones that exist", () => {
    expect(planAllocation(twoSocketNode(), { ...echo, nic: "eth9" })).toMatchObject({
      ok: false,
      refusal: { constraint: "nic", message: "node has no NIC named eth9 (it has eth0)" },
    });
  });

  it("needs no NIC for a cores-only request", () => {
    const result = planAllocation(twoSocketNode({ nics: [] }), { ...echo, queues: 0 });
    expect(result.ok && result.plan).toMatchObject({ nic: null, queues: [], cpus: [{ cpu: 0 }, { cpu: 1 }] });
  });
});
