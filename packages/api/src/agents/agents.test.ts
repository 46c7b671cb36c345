// The agent fast path: credential cache with revocation on every replica, unchanged heartbeats written in a
// once-a-second batch, and what the batch learns from other replicas and the timeout sweep.
import { nodes } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rejection, TestControlPlane, useControlPlane } from "../../test-support/harness.js";
import { markStaleNodesDown } from "../fleet/heartbeat.js";
import { TtlCache } from "./ttl-cache.js";

const plane = useControlPlane();
const inventory = exampleInventory({ hostname: "edge-1" });

async function heartbeatAt(nodeId: string): Promise<Date | null> {
  const [row] = await plane().db.select({ at: nodes.lastHeartbeatAt }).from(nodes).where(eq(nodes.id, nodeId));
  return row?.at ?? null;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("TtlCache", () => {
  it("evicts the least recently used entry when full and expires entries after the TTL", () => {
    const cache = new TtlCache<string, number>(2, 1000);
    cache.set("a", 1, 0);
    cache.set("b", 2, 0);
    expect(cache.get("a", 10)).toBe(1); // "b" is now the least recently used
    cache.set("c", 3, 20);
    expect([cache.get("a", 30), cache.get("b", 30), cache.get("c", 30)]).toEqual([1, undefined, 3]);
    expect(cache.get("c", 1020)).toBe(undefined);
    expect(cache.size).toBe(1);
  });

  it("keeps nothing at capacity 0", () => {
    const cache = new TtlCache<string, number>(0, 1000);
    cache.set("a", 1, 0);
    expect(cache.get("a", 0)).toBe(undefined);
  });
});

describe("credential cache", () => {
  it("asks the database once per credential, then answers from memory", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { agent } = await plane().joinNode(operator);
    const misses = plane().agents.credentials.counters.misses;
    for (let call = 0; call < 5; call += 1) await agent.agent.desiredState();
    expect(plane().agents.credentials.counters.misses).toBe(misses);
    expect(plane().agents.credentials.counters.hits).toBeGreaterThanOrEqual(5);
  });

  it("honours a revocation made on another replica as soon as its NOTIFY arrives", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId, credential } = await plane().joinNode(operator);
    const a = new TestControlPlane(plane().handle);
    const b = new TestControlPlane(plane().handle);
    a.now = b.now = plane().now;
    await b.agents.start();
    try {
      const agentOnB = await b.caller({ bearer: credential, csrf: false });
      expect((await agentOnB.agent.desiredState()).nodeId).toBe(nodeId);
      expect(b.agents.credentials.size).toBe(1);
      await (await a.login(await operatorName(operator))).nodes.revokeCredential({ id: nodeId });
      await waitFor(() => b.agents.credentials.size === 0, "replica B to hear of the revocation");
      // Same clock, well inside the TTL: only the notification can have made B refuse.
      expect((await rejection(agentOnB.agent.desiredState())).code).toBe("UNAUTHORIZED");
    } finally {
      await b.agents.stop();
    }
  });
});

async function operatorName(operator: Awaited<ReturnType<TestControlPlane["login"]>>): Promise<string> {
  return (await operator.auth.me())!.username;
}

describe("heartbeats", () => {
  it("skips the write of an unchanged heartbeat and records its time in the next flush", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId, agent } = await plane().joinNode(operator, inventory);
    const joinedBeat = await heartbeatAt(nodeId);
    plane().advance(5_000);
    expect(await agent.agent.heartbeat({ inventory })).toEqual({ state: "ready" });
    expect(plane().agents.heartbeats.counters.unchanged).toBe(1);
    expect(await heartbeatAt(nodeId)).toEqual(joinedBeat);
    expect(await plane().agents.heartbeats.flush(plane().db)).toBe(1);
    expect(await heartbeatAt(nodeId)).toEqual(plane().now);
  });

  it("lets a replica that has just started recognise an unchanged heartbeat from the stored digest", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { credential } = await plane().joinNode(operator, inventory);
    const restarted = new TestControlPlane(plane().handle);
    restarted.now = plane().now;
    const agent = await restarted.caller({ bearer: credential, csrf: false });
    expect(await agent.agent.heartbeat({ inventory })).toEqual({ state: "ready" });
    expect(restarted.agents.heartbeats.counters).toMatchObject({ unchanged: 1, written: 0 });
    expect(restarted.agents.heartbeats.pendingCount).toBe(1);
  });

  it("writes a changed heartbeat in full at once", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId, agent } = await plane().joinNode(operator, inventory);
    plane().advance(1_000);
    await agent.agent.heartbeat({ inventory: { ...inventory, kernel: "6.19.0" } });
    expect(plane().agents.heartbeats.counters.unchanged).toBe(0);
    expect(await heartbeatAt(nodeId)).toEqual(plane().now);
    const [row] = await plane().db.select({ inventory: nodes.inventory }).from(nodes).where(eq(nodes.id, nodeId));
    expect(row?.inventory).toMatchObject({ kernel: "6.19.0" });
  });

  it("brings a node another replica marked down back to ready: the flush tells this one to write in full", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId, agent } = await plane().joinNode(operator, inventory);
    plane().advance(31_000);
    expect(await markStaleNodesDown(plane().db, plane().now, 30_000)).toEqual([nodeId]);
    // Swept without this replica's runtime (as another replica would), so this replica still answers the next
    // unchanged heartbeat from memory; the flush returns the node as down and the entry is forgotten.
    await agent.agent.heartbeat({ inventory });
    await plane().agents.heartbeats.flush(plane().db);
    expect(await agent.agent.heartbeat({ inventory })).toEqual({ state: "ready" });
    expect((await operator.nodes.get({ id: nodeId })).state).toBe("ready");
  });

  it("rewrites in full when another replica wrote a different heartbeat in between", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId, credential, agent } = await plane().joinNode(operator, inventory);
    const other = new TestControlPlane(plane().handle);
    other.now = plane().now;
    const changed = { ...inventory, kernel: "6.19.0" };
    await (await other.caller({ bearer: credential, csrf: false })).agent.heartbeat({ inventory: changed });
    // This replica still holds the old digest; the flush sees the stored one differ and forgets it.
    await agent.agent.heartbeat({ inventory });
    await plane().agents.heartbeats.flush(plane().db);
    await agent.agent.heartbeat({ inventory });
    const [row] = await plane().db.select({ inventory: nodes.inventory }).from(nodes).where(eq(nodes.id, nodeId));
    expect(row?.inventory).toMatchObject({ kernel: inventory.kernel });
  });
});
