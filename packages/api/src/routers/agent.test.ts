import { auditLog, cpus, joinTokens, nicQueues, nics, nodes } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rejection, useControlPlane } from "../../test-support/harness.js";
import { DEFAULT_CREDENTIAL_TTL_MS } from "../agents/runtime.js";
import { markStaleNodesDown } from "../fleet/heartbeat.js";

const plane = useControlPlane();

describe("join tokens", () => {
  it("shows the plaintext once, stores a hash, and lists status without the secret", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const created = await operator.tokens.create({ ttlMinutes: 60, description: "rack 4" });
    expect(created.token).toMatch(/^sjt_[\w-]{43}$/);
    const [stored] = await plane().db.select().from(joinTokens);
    expect(JSON.stringify(stored)).not.toContain(created.token);
    const listed = await operator.tokens.list();
    expect(listed).toMatchObject([{ id: created.id, description: "rack 4", status: "active", createdBy: "otto" }]);
    expect(JSON.stringify(listed)).not.toContain(created.token);
  });

  it("is single use", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { token } = await operator.tokens.create({ ttlMinutes: 60 });
    const anonymous = await plane().caller();
    await anonymous.agent.join({ token, hostname: "edge-1" });
    const error = await rejection(anonymous.agent.join({ token, hostname: "edge-2" }));
    expect([error.code, error.message]).toEqual(["UNAUTHORIZED", "join token is used"]);
    expect((await plane().db.select().from(nodes)).map((node) => node.name)).toEqual(["edge-1"]);
    expect((await operator.tokens.list())[0]?.status).toBe("used");
  });

  it("expires", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { token } = await operator.tokens.create({ ttlMinutes: 5 });
    plane().advance(5 * 60_000);
    const error = await rejection((await plane().caller()).agent.join({ token, hostname: "edge-1" }));
    expect(error.message).toBe("join token is expired");
    expect((await operator.tokens.list())[0]?.status).toBe("expired");
  });

  it("can be revoked, with an audit row", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { token, id } = await operator.tokens.create({ ttlMinutes: 60 });
    await operator.tokens.revoke({ id });
    const error = await rejection((await plane().caller()).agent.join({ token, hostname: "edge-1" }));
    expect(error.message).toBe("join token is revoked");
    const audit = await plane().db.select().from(auditLog).where(eq(auditLog.action, "token.revoke"));
    expect(audit).toMatchObject([
      { actorName: "otto", targetId: id, before: { status: "active" }, after: { status: "revoked" } },
    ]);
  });

  it("rejects an unknown token and a silly expiry with field errors", async () => {
    const operator = await plane().userCaller("otto", "operator");
    expect((await rejection((await plane().caller()).agent.join({ token: "sjt_nope", hostname: "x" }))).message).toBe(
      "join token is unknown",
    );
    const error = await rejection(operator.tokens.create({ ttlMinutes: 0.5 }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("whole minutes");
  });
});

describe("heartbeats", () => {
  it("turns the inventory into NIC, queue and CPU rows and makes the node ready", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const inventory = exampleInventory({
      hostname: "edge-1",
      numaNodes: 2,
      coresPerNuma: 2,
      threadsPerCore: 2,
      isolated: [2, 6],
      nics: [
        { name: "eth0", queueCount: 4, numaNode: 1 },
        { name: "eth1", queueCount: 2 },
      ],
    });
    const { nodeId } = await plane().joinNode(operator, inventory);
    const [node] = await plane().db.select().from(nodes).where(eq(nodes.id, nodeId));
    expect(node).toMatchObject({ state: "ready", name: "edge-1", lastHeartbeatAt: plane().now });
    const nicRows = await plane().db.select().from(nics).orderBy(asc(nics.name));
    expect(nicRows.map((nic) => [nic.name, nic.numaNode])).toEqual([
      ["eth0", 1],
      ["eth1", 0],
    ]);
    expect(await plane().db.select().from(nicQueues)).toHaveLength(6);
    const cpuRows = await plane().db.select().from(cpus).orderBy(asc(cpus.cpu));
    expect(cpuRows.map((cpu) => [cpu.cpu, cpu.numaNode, cpu.smtSiblings, cpu.isolated])).toEqual([
      [0, 0, [4], false],
      [1, 0, [5], false],
      [2, 1, [6], true],
      [3, 1, [7], false],
      [4, 0, [0], false],
      [5, 0, [1], false],
      [6, 1, [2], true],
      [7, 1, [3], false],
    ]);
  });

  it("follows hardware changes, but keeps allocated hardware and degrades the node", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const inventory = exampleInventory({
      hostname: "edge-1",
      coresPerNuma: 4,
      nics: [{ name: "eth0", queueCount: 4 }],
    });
    const { nodeId, agent } = await plane().joinNode(operator, inventory);
    await operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 1, queues: 1 });
    // CPU 0 and queue 0 are allocated. The NIC shrinks to 1 queue and CPU 3 disappears: all of that was free.
    const shrunk = { ...inventory, nics: [{ ...inventory.nics[0]!, queueCount: 1 }], cpus: inventory.cpus.slice(0, 3) };
    expect(await agent.agent.heartbeat({ inventory: shrunk })).toEqual({ state: "ready" });
    expect((await plane().db.select().from(cpus)).map((cpu) => cpu.cpu).sort()).toEqual([0, 1, 2]);
    expect(await plane().db.select().from(nicQueues)).toHaveLength(1);

    const lost = { ...inventory, cpus: inventory.cpus.slice(1) }; // CPU 0 is the allocated one
    expect(await agent.agent.heartbeat({ inventory: lost })).toEqual({ state: "degraded" });
    expect((await plane().db.select().from(cpus)).map((cpu) => cpu.cpu).sort()).toEqual([0, 1, 2, 3]);
    const [node] = await plane().db.select().from(nodes).where(eq(nodes.id, nodeId));
    expect(node?.stateReason).toBe("no longer reported: allocated CPU 0");
    expect(await agent.agent.heartbeat({ inventory })).toEqual({ state: "ready" });
    const stateChanges = await plane().db.select().from(auditLog).where(eq(auditLog.action, "node.state"));
    expect(stateChanges.map((row) => [row.before, row.after])).toEqual([
      [
        { state: "joining", reason: null },
        { state: "ready", reason: null },
      ],
      [
        { state: "ready", reason: null },
        { state: "degraded", reason: "no longer reported: allocated CPU 0" },
      ],
      [
        { state: "degraded", reason: "no longer reported: allocated CPU 0" },
        { state: "ready", reason: null },
      ],
    ]);
  });

  it("rejects a malformed inventory with the field path and changes nothing", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { agent } = await plane().joinNode(operator);
    const before = await plane().db.select().from(nodes);
    const broken = exampleInventory({ hostname: "edge-1" });
    broken.nics[0]!.mac = "not-a-mac";
    const error = await rejection(agent.agent.heartbeat({ inventory: broken }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain('"inventory"');
    expect(error.message).toContain('"mac"');
    expect(await plane().db.select().from(nodes)).toEqual(before);
  });

  it("marks a node down after the heartbeat timeout, and ready again when it comes back", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const first = await plane().joinNode(operator, exampleInventory({ hostname: "edge-1" }));
    plane().advance(20_000);
    const second = await plane().joinNode(operator, exampleInventory({ hostname: "edge-2" }));
    plane().advance(15_000);
    expect(await markStaleNodesDown(plane().db, plane().now, 30_000, plane().agents)).toEqual([first.nodeId]);
    expect(await markStaleNodesDown(plane().db, plane().now, 30_000, plane().agents)).toEqual([]);
    const states = await operator.nodes.list();
    expect(states.map((node) => [node.name, node.state])).toEqual([
      ["edge-1", "down"],
      ["edge-2", "ready"],
    ]);
    await first.agent.agent.heartbeat({ inventory: exampleInventory({ hostname: "edge-1" }) });
    expect((await operator.nodes.get({ id: first.nodeId })).state).toBe("ready");
    expect(second.nodeId).not.toBe(first.nodeId);
    const [downRow] = await plane().db.select().from(auditLog).where(eq(auditLog.actorKind, "system"));
    expect(downRow).toMatchObject({
      action: "node.state",
      targetId: first.nodeId,
      before: { state: "ready" },
      after: { state: "down", reason: "no heartbeat since 2025-06-01T12:00:00.000Z" },
    });
  });

  it("marks a node down that joined but never sent a heartbeat", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { token } = await operator.tokens.create({ ttlMinutes: 5 });
    const { nodeId } = await (await plane().caller()).agent.join({ token, hostname: "silent" });
    plane().advance(29_000);
    expect(await markStaleNodesDown(plane().db, plane().now, 30_000, plane().agents)).toEqual([]);
    plane().advance(2_000);
    expect(await markStaleNodesDown(plane().db, plane().now, 30_000, plane().agents)).toEqual([nodeId]);
    expect(await operator.nodes.get({ id: nodeId })).toMatchObject({
      state: "down",
      stateReason: "no heartbeat since it joined",
    });
  });

  it("keeps an operator's cordon through heartbeats", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId, agent } = await plane().joinNode(operator);
    await operator.nodes.cordon({ id: nodeId });
    expect(await agent.agent.heartbeat({ inventory: exampleInventory({ hostname: "edge-1" }) })).toEqual({
      state: "cordoned",
    });
  });
});

describe("an agent sees only its own node", () => {
  it("gets its own desired state and cannot ask for another node's", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const one = await plane().joinNode(operator, exampleInventory({ hostname: "edge-1" }));
    const two = await plane().joinNode(operator, exampleInventory({ hostname: "edge-2" }));
    const placed = await operator.allocation.allocate({
      nodeId: one.nodeId,
      app: "echo",
      version: "2.1",
      config: { port: 7 },
      cores: 2,
      queues: 1,
    });
    expect(await one.agent.agent.desiredState()).toEqual({
      nodeId: one.nodeId,
      instances: [
        {
          id: placed.instanceId,
          app: "echo",
          version: "2.1",
          artifact: { kind: "builtin", name: "echo" },
          config: { port: 7 },
          cores: [0, 1],
          nic: "eth0",
          queues: [0],
        },
      ],
    });
    expect(await two.agent.agent.desiredState({ nodeId: two.nodeId })).toEqual({ nodeId: two.nodeId, instances: [] });
    const error = await rejection(two.agent.agent.desiredState({ nodeId: one.nodeId }));
    expect([error.code, error.message]).toEqual(["FORBIDDEN", "a node can read only its own desired state"]);
    expect((await rejection(two.agent.nodes.get({ id: one.nodeId }))).code).toBe("FORBIDDEN");
  });

  it("reports stats only for its own instances", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const one = await plane().joinNode(operator, exampleInventory({ hostname: "edge-1" }));
    const two = await plane().joinNode(operator, exampleInventory({ hostname: "edge-2" }));
    const placed = await operator.allocation.allocate({
      nodeId: one.nodeId,
      app: "echo",
      version: "1",
      cores: 1,
      queues: 0,
    });
    const sample = {
      instanceId: placed.instanceId,
      at: plane().now,
      rxPackets: 10,
      txPackets: 9,
      rxBytes: 640,
      txBytes: 576,
      drops: 1,
    };
    expect(await one.agent.agent.reportStats({ samples: [sample] })).toEqual({ accepted: 1 });
    const error = await rejection(two.agent.agent.reportStats({ samples: [sample] }));
    expect(error.code).toBe("FORBIDDEN");
    // Only the accepted sample reached the live store.
    expect(plane().live.store.counters.samplesIngested).toBe(1);
  });

  it("loses access at once when an operator revokes its credential", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { agent, nodeId } = await plane().joinNode(operator);
    expect(plane().agents.credentials.size).toBe(1);
    await operator.nodes.revokeCredential({ id: nodeId });
    expect((await rejection(agent.agent.desiredState())).code).toBe("UNAUTHORIZED");
  });

  it("trusts a cached credential no longer than the TTL when the revocation was not announced", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { agent, nodeId } = await plane().joinNode(operator);
    const { nodeCredentials } = await import("@sluice/db");
    // Written behind the API's back: no replica hears of it, so only the cache entry's expiry ends the access.
    await plane().db.update(nodeCredentials).set({ revokedAt: plane().now }).where(eq(nodeCredentials.nodeId, nodeId));
    expect((await agent.agent.desiredState()).nodeId).toBe(nodeId);
    plane().advance(DEFAULT_CREDENTIAL_TTL_MS);
    expect((await rejection(agent.agent.desiredState())).code).toBe("UNAUTHORIZED");
  });
});
