import { allocations, auditLog } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ZodError, z } from "zod";
import { rejection, useControlPlane } from "../../test-support/harness.js";
import { AllocationRefusedError } from "../allocation/errors.js";

const plane = useControlPlane();

/** Two NUMA nodes of 4 cores with SMT (CPU c and c + 8 are siblings); eth0 with 4 queues on NUMA 1. */
const bigInventory = (hostname: string) =>
  exampleInventory({
    hostname,
    numaNodes: 2,
    coresPerNuma: 4,
    threadsPerCore: 2,
    nics: [{ name: "eth0", numaNode: 1, queueCount: 4 }],
  });

async function refusalOf(call: Promise<unknown>) {
  const error = await rejection(call);
  expect(error.code).toBe("PRECONDITION_FAILED");
  expect(error.cause).toBeInstanceOf(AllocationRefusedError);
  return { message: error.message, refusals: (error.cause as AllocationRefusedError).refusals };
}

describe("allocation", () => {
  it("places an instance on the NIC's NUMA node, shows owners on the node, and audits it", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId } = await plane().joinNode(operator, bigInventory("edge-1"));
    const result = await operator.allocation.allocate({ nodeId, app: "echo", version: "1.0", cores: 2, queues: 2 });
    expect(result).toMatchObject({ nodeName: "edge-1", nic: "eth0", cores: [4, 5], queues: [0, 1], notes: [] });

    const node = await operator.nodes.get({ id: nodeId });
    const owners = node.cpus.filter((cpu) => cpu.owner).map((cpu) => [cpu.cpu, cpu.owner?.app]);
    expect(owners).toEqual([
      [4, "echo"],
      [5, "echo"],
    ]);
    expect(node.nics[0]?.queues.map((queue) => queue.owner?.instanceId ?? null)).toEqual([
      result.instanceId,
      result.instanceId,
      null,
      null,
    ]);
    expect((await operator.nodes.list())[0]).toMatchObject({
      cores: { total: 16, owned: 2 },
      queues: { total: 4, owned: 2 },
    });

    const [audit] = await plane().db.select().from(auditLog).where(eq(auditLog.action, "instance.allocate"));
    expect(audit).toMatchObject({ actorName: "otto", targetId: result.instanceId, before: null });
    expect(audit?.after).toMatchObject({ app: "echo", cores: [4, 5], queues: [0, 1] });
  });

  it("keeps other apps off the SMT siblings and explains the refusal", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId } = await plane().joinNode(operator, bigInventory("edge-1"));
    await operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 8, queues: 0 });
    // CPUs 0..7 are echo's; 8..15 are their siblings.
    const { refusals } = await refusalOf(
      operator.allocation.allocate({ nodeId, app: "firewall", version: "1", cores: 1, queues: 1 }),
    );
    expect(refusals).toEqual([
      {
        nodeId,
        nodeName: "edge-1",
        constraint: "smt-siblings",
        message:
          "1 core requested, 0 usable; 8 more cores are SMT siblings of cores owned by other apps (both sides must allow SMT sharing)",
      },
    ]);
    const sameApp = await operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 1, queues: 1 });
    expect(sameApp.cores).toEqual([12]);
  });

  it("lists every node's reason when no node can take the request", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const a = await plane().joinNode(operator, exampleInventory({ hostname: "edge-a", coresPerNuma: 2 }));
    const b = await plane().joinNode(operator, exampleInventory({ hostname: "edge-b", coresPerNuma: 8 }));
    const c = await plane().joinNode(operator, exampleInventory({ hostname: "edge-c", coresPerNuma: 8 }));
    await operator.nodes.cordon({ id: b.nodeId });
    await operator.nodes.drain({ id: c.nodeId });
    const { message, refusals } = await refusalOf(
      operator.allocation.allocate({ app: "echo", version: "1", cores: 4, queues: 1 }),
    );
    expect(refusals.map((refusal) => [refusal.nodeName, refusal.constraint])).toEqual([
      ["edge-a", "cores"],
      ["edge-b", "node-state"],
      ["edge-c", "node-state"],
    ]);
    expect(message).toBe(
      "edge-a: 4 cores requested, 2 usable of 2 (0 owned); edge-b: node is cordoned; edge-c: node is draining",
    );
    await operator.nodes.uncordon({ id: b.nodeId });
    const placed = await operator.allocation.allocate({ app: "echo", version: "1", cores: 4, queues: 1 });
    expect(placed.nodeName).toBe("edge-b");
    expect(a.nodeId).not.toBe(placed.nodeId);
  });

  it("never gives the same core or queue to two concurrent requests", async () => {
    const operator = await plane().userCaller("otto", "operator");
    // 8 CPUs and 4 queues: at most 4 requests of 2 cores + 1 queue can succeed.
    const { nodeId } = await plane().joinNode(
      operator,
      exampleInventory({ hostname: "edge-1", coresPerNuma: 8, nics: [{ name: "eth0", queueCount: 4 }] }),
    );
    const requests = Array.from({ length: 6 }, (_, index) =>
      operator.allocation.allocate({ nodeId, app: `app-${index}`, version: "1", cores: 2, queues: 1 }),
    );
    const outcomes = await Promise.allSettled(requests);
    const placed = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
    expect(placed).toHaveLength(4);
    expect(refused.map((error) => error.cause?.refusals?.[0]?.constraint)).toEqual(["queues", "queues"]);
    const cores = placed.flatMap((result) => result.cores);
    const queues = placed.flatMap((result) => result.queues);
    expect(new Set(cores).size).toBe(8);
    expect(new Set(queues).size).toBe(4);
    expect(await plane().db.select().from(allocations)).toHaveLength(12);
  });

  it("frees cores and queues on release, with the released instance in the audit log", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId } = await plane().joinNode(operator, exampleInventory({ hostname: "edge-1", coresPerNuma: 2 }));
    const first = await operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 2, queues: 4 });
    await refusalOf(operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 1, queues: 0 }));
    await operator.allocation.release({ id: first.instanceId });
    const second = await operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 2, queues: 4 });
    expect(second.cores).toEqual([0, 1]);
    const [audit] = await plane().db.select().from(auditLog).where(eq(auditLog.action, "instance.release"));
    expect(audit?.before).toMatchObject({ nodeId, app: "echo", cores: [0, 1], queues: [0, 1, 2, 3] });
    expect((await rejection(operator.allocation.release({ id: first.instanceId }))).code).toBe("NOT_FOUND");
  });

  it("validates requests field by field and allocates nothing", async () => {
    const operator = await plane().userCaller("otto", "operator");
    await plane().joinNode(operator);
    const error = await rejection(
      operator.allocation.allocate({ app: "Echo App", version: "", cores: -1, queues: 0, nodeId: "n1" }),
    );
    expect(error.cause).toBeInstanceOf(ZodError);
    expect(Object.keys(z.flattenError(error.cause as ZodError).fieldErrors).sort()).toEqual([
      "app",
      "cores",
      "nodeId",
      "version",
    ]);
    const nothing = await rejection(operator.allocation.allocate({ app: "echo", version: "1", cores: 0, queues: 0 }));
    expect(z.flattenError(nothing.cause as ZodError).fieldErrors).toEqual({
      cores: ["ask for at least one core or queue"],
    });
    expect(await plane().db.select().from(allocations)).toEqual([]);
  });
});

describe("nodes", () => {
  it("searches and sorts the list", async () => {
    const viewer = await plane().userCaller("vera", "viewer");
    const operator = await plane().userCaller("otto", "operator");
    for (const hostname of ["db-2", "edge-1", "db-1"]) await plane().joinNode(operator, exampleInventory({ hostname }));
    await operator.nodes.cordon({ id: (await viewer.nodes.list({ search: "edge" }))[0]!.id });
    expect((await viewer.nodes.list()).map((node) => node.name)).toEqual(["db-1", "db-2", "edge-1"]);
    expect((await viewer.nodes.list({ search: "DB", direction: "desc" })).map((node) => node.name)).toEqual([
      "db-2",
      "db-1",
    ]);
    expect((await viewer.nodes.list({ search: "cordon" })).map((node) => node.name)).toEqual(["edge-1"]);
    expect((await viewer.nodes.list({ search: "db_" })).map((node) => node.name)).toEqual([]);
    expect((await viewer.nodes.list({ sort: "state" })).map((node) => node.state)).toEqual([
      "ready",
      "ready",
      "cordoned",
    ]);
  });

  it("refuses transitions that make no sense, with the reason", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId } = await plane().joinNode(operator);
    const error = await rejection(operator.nodes.uncordon({ id: nodeId }));
    expect([error.code, error.message]).toEqual([
      "PRECONDITION_FAILED",
      "cannot uncordon a node that is ready (only from cordoned, draining)",
    ]);
    await operator.nodes.drain({ id: nodeId });
    const [audit] = await plane().db.select().from(auditLog).where(eq(auditLog.action, "node.drain"));
    expect(audit).toMatchObject({ before: { state: "ready" }, after: { state: "draining", reason: "drain by otto" } });
  });
});

describe("audit log", () => {
  it("filters by action prefix, actor and target, newest first, with paging", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const viewer = await plane().userCaller("vera", "viewer");
    const { nodeId } = await plane().joinNode(operator);
    await operator.nodes.cordon({ id: nodeId });
    await operator.nodes.uncordon({ id: nodeId });
    const nodeActions = await viewer.audit.list({ action: "node.", targetId: nodeId });
    expect(nodeActions.map((row) => row.action)).toEqual(["node.uncordon", "node.cordon", "node.state", "node.join"]);
    expect((await viewer.audit.list({ actor: "vera" })).map((row) => row.action)).toEqual(["auth.login"]);
    const page = await viewer.audit.list({ limit: 2 });
    const next = await viewer.audit.list({ limit: 2, before: page[1]!.id });
    expect(next[0]!.id).toBeLessThan(page[1]!.id);
  });
});
