// Applying an agent's heartbeat: the node's inventory becomes its NIC, queue and CPU rows, and its state follows
// what it reports. Hardware that disappeared while allocated is kept (owners must be released first) and puts the
// node in the degraded state with the reason.

import { allocations, cpus, type Database, type Executor, instances, nicQueues, nics, nodes } from "@sluice/db";
import type { Heartbeat, NodeInventory } from "@sluice/proto";
import { and, asc, eq, inArray, notInArray, sql } from "drizzle-orm";
import { type AgentRuntime, announce } from "../agents/runtime.js";
import { type AuditActor, recordAudit } from "../audit.js";

type NodeState = (typeof nodes.$inferSelect)["state"];

async function allocatedIds(tx: Executor, nodeId: string) {
  const rows = await tx
    .select({ cpuId: allocations.cpuId, queueId: allocations.queueId })
    .from(allocations)
    .where(eq(allocations.nodeId, nodeId));
  return {
    cpus: new Set(rows.flatMap((row) => (row.cpuId === null ? [] : [row.cpuId]))),
    queues: new Set(rows.flatMap((row) => (row.queueId === null ? [] : [row.queueId]))),
  };
}

/** Brings NIC, queue and CPU rows in line with the inventory; returns what could not be removed. */
async function syncHardware(tx: Executor, nodeId: string, inventory: NodeInventory): Promise<string[]> {
  const owned = await allocatedIds(tx, nodeId);
  const missing: string[] = [];

  for (const nic of inventory.nics) {
    const values = {
      driver: nic.driver,
      mac: nic.mac,
      speedMbps: nic.speedMbps,
      xdp: nic.xdp,
      numaNode: nic.numaNode,
    };
    const [row] = await tx
      .insert(nics)
      .values({ nodeId, name: nic.name, ...values })
      .onConflictDoUpdate({ target: [nics.nodeId, nics.name], set: values })
      .returning({ id: nics.id });
    const indexes = Array.from({ length: nic.queueCount }, (_, index) => index);
    await tx
      .insert(nicQueues)
      .values(indexes.map((queueIndex) => ({ nicId: row!.id, queueIndex })))
      .onConflictDoNothing();
    const extra = await tx
      .select({ id: nicQueues.id, index: nicQueues.queueIndex })
      .from(nicQueues)
      .where(and(eq(nicQueues.nicId, row!.id), sql`${nicQueues.queueIndex} >= ${nic.queueCount}`));
    await removeUnowned(
      tx,
      nicQueues,
      extra,
      owned.queues,
      (queue) => `allocated queue ${nic.name}/${queue.index}`,
      missing,
    );
  }

  const reportedNics = inventory.nics.map((nic) => nic.name);
  const goneNics = await tx
    .select({ id: nics.id, name: nics.name })
    .from(nics)
    .where(and(eq(nics.nodeId, nodeId), reportedNics.length ? notInArray(nics.name, reportedNics) : undefined));
  for (const nic of goneNics) {
    const queues = await tx.select({ id: nicQueues.id }).from(nicQueues).where(eq(nicQueues.nicId, nic.id));
    if (queues.some((queue) => owned.queues.has(queue.id))) missing.push(`NIC ${nic.name} has allocated queues`);
    else await tx.delete(nics).where(eq(nics.id, nic.id));
  }

  // One statement for every CPU (a node can have hundreds), not one per CPU.
  await tx
    .insert(cpus)
    .values(
      inventory.cpus.map((cpu) => ({
        nodeId,
        cpu: cpu.cpu,
        numaNode: cpu.numaNode,
        smtSiblings: cpu.smtSiblings,
        isolated: cpu.isolated,
      })),
    )
    .onConflictDoUpdate({
      target: [cpus.nodeId, cpus.cpu],
      set: {
        numaNode: sql`excluded.numa_node`,
        smtSiblings: sql`excluded.smt_siblings`,
        isolated: sql`excluded.isolated`,
      },
    });
  const goneCpus = await tx
    .select({ id: cpus.id, cpu: cpus.cpu })
    .from(cpus)
    .where(
      and(
        eq(cpus.nodeId, nodeId),
        notInArray(
          cpus.cpu,
          inventory.cpus.map((cpu) => cpu.cpu),
        ),
      ),
    );
  await removeUnowned(tx, cpus, goneCpus, owned.cpus, (cpu) => `allocated CPU ${cpu.cpu}`, missing);
  return missing;
}

async function removeUnowned<Row extends { id: number }>(
  tx: Executor,
  table: typeof cpus | typeof nicQueues,
  rows: Row[],
  owned: Set<number>,
  describe: (row: Row) => string,
  missing: string[],
): Promise<void> {
  const free = rows.filter((row) => !owned.has(row.id)).map((row) => row.id);
  if (free.length > 0) await tx.delete(table).where(inArray(table.id, free));
  for (const row of rows) if (owned.has(row.id)) missing.push(describe(row));
}

/** The state a heartbeat moves a node to. Operator decisions (cordon, drain) are kept. */
function nextState(current: NodeState, missing: string[]): NodeState {
  if (current === "cordoned" || current === "draining") return current;
  return missing.length > 0 ? "degraded" : "ready";
}

export async function applyHeartbeat(
  tx: Executor,
  node: { id: string; name: string },
  heartbeat: Heartbeat,
  now: Date,
  /** Stored so that replicas skipping unchanged heartbeats can tell when another replica wrote a newer one. */
  digest: string | null = null,
): Promise<{ state: NodeState }> {
  const [before] = await tx.select().from(nodes).where(eq(nodes.id, node.id)).for("update");
  if (!before) throw new Error(`node ${node.id} vanished`);
  const missing = await syncHardware(tx, node.id, heartbeat.inventory);
  const state = nextState(before.state, missing);
  const stateReason = missing.length > 0 ? `no longer reported: ${missing.join(", ")}` : null;
  await tx
    .update(nodes)
    .set({
      name: heartbeat.inventory.hostname,
      inventory: heartbeat.inventory,
      heartbeatDigest: digest,
      lastHeartbeatAt: now,
      state,
      stateReason: state === before.state && state !== "degraded" ? before.stateReason : stateReason,
    })
    .where(eq(nodes.id, node.id));

  for (const status of heartbeat.instances) {
    await tx
      .update(instances)
      .set({ reportedState: status.state })
      .where(and(eq(instances.id, status.instanceId), eq(instances.nodeId, node.id)));
  }
  // Routine heartbeats are not audited (one every few seconds per node); a change of state is.
  if (state !== before.state) {
    const actor: AuditActor = { kind: "node", nodeId: node.id, nodeName: heartbeat.inventory.hostname };
    await recordAudit(tx, actor, now, {
      action: "node.state",
      targetKind: "node",
      targetId: node.id,
      before: { state: before.state, reason: before.stateReason },
      after: { state, reason: stateReason },
    });
  }
  return { state };
}

/**
 * Marks nodes down whose last heartbeat (or join, if they never sent one) is older than the timeout. The server
 * calls this periodically; `now` is a parameter so tests can move the clock.
 */
export async function markStaleNodesDown(
  db: Database,
  now: Date,
  timeoutMs: number,
  /** This replica's agent runtime, told at once; other replicas hear of it through the control channel. */
  agents?: AgentRuntime,
): Promise<string[]> {
  const cutoff = new Date(now.getTime() - timeoutMs);
  const markedDown = await db.transaction(async (tx) => {
    // Locked so a heartbeat arriving during the sweep either lands first (and the node stays up) or waits.
    const stale = await tx
      .select({ id: nodes.id, state: nodes.state, lastHeartbeatAt: nodes.lastHeartbeatAt })
      .from(nodes)
      .where(
        and(
          inArray(nodes.state, ["joining", "ready", "degraded"]),
          sql`coalesce(${nodes.lastHeartbeatAt}, ${nodes.joinedAt}) < ${cutoff.toISOString()}`,
        ),
      )
      // The same lock order as allocation (by name), so the two cannot deadlock on Postgres.
      .orderBy(asc(nodes.name), asc(nodes.id))
      .for("update");
    for (const node of stale) {
      const stateReason = node.lastHeartbeatAt
        ? `no heartbeat since ${node.lastHeartbeatAt.toISOString()}`
        : "no heartbeat since it joined";
      await tx.update(nodes).set({ state: "down", stateReason }).where(eq(nodes.id, node.id));
      await recordAudit(tx, { kind: "system" }, now, {
        action: "node.state",
        targetKind: "node",
        targetId: node.id,
        before: { state: node.state },
        after: { state: "down", reason: stateReason },
      });
      // A replica answering this node's unchanged heartbeats from memory must write the next one in full.
      await announce(tx, { changedNode: node.id });
    }
    return stale.map((node) => node.id);
  });
  for (const nodeId of markedDown) agents?.apply({ changedNode: nodeId });
  return markedDown;
}
