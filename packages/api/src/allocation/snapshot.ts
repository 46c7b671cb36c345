// Reads one node's hardware and current owners into the shape the planner works on.
import { allocations, apps, appVersions, cpus, type Executor, instances, nicQueues, nics, nodes } from "@sluice/db";
import { asc, eq } from "drizzle-orm";
import type { NodeSnapshot, Owner } from "./plan.js";

export async function loadNodeSnapshot(db: Executor, nodeId: string): Promise<NodeSnapshot | undefined> {
  const [node] = await db
    .select({ id: nodes.id, name: nodes.name, state: nodes.state })
    .from(nodes)
    .where(eq(nodes.id, nodeId));
  if (!node) return undefined;

  const owners = await db
    .select({
      cpuId: allocations.cpuId,
      queueId: allocations.queueId,
      instanceId: instances.id,
      app: apps.name,
      allowSmtSharing: instances.allowSmtSharing,
    })
    .from(allocations)
    .innerJoin(instances, eq(instances.id, allocations.instanceId))
    .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
    .innerJoin(apps, eq(apps.id, appVersions.appId))
    .where(eq(allocations.nodeId, nodeId));
  const cpuOwner = new Map<number, Owner>();
  const queueOwner = new Map<number, Owner>();
  for (const { cpuId, queueId, ...owner } of owners) {
    if (cpuId !== null) cpuOwner.set(cpuId, owner);
    if (queueId !== null) queueOwner.set(queueId, owner);
  }

  const nicRows = await db.select().from(nics).where(eq(nics.nodeId, nodeId)).orderBy(asc(nics.name));
  const queueRows = await db
    .select({ id: nicQueues.id, nicId: nicQueues.nicId, index: nicQueues.queueIndex })
    .from(nicQueues)
    .innerJoin(nics, eq(nics.id, nicQueues.nicId))
    .where(eq(nics.nodeId, nodeId))
    .orderBy(asc(nicQueues.queueIndex));
  const cpuRows = await db.select().from(cpus).where(eq(cpus.nodeId, nodeId)).orderBy(asc(cpus.cpu));

  return {
    ...node,
    nics: nicRows.map((nic) => ({
      id: nic.id,
      name: nic.name,
      numaNode: nic.numaNode,
      queues: queueRows
        .filter((queue) => queue.nicId === nic.id)
        .map((queue) => ({ id: queue.id, index: queue.index, owner: queueOwner.get(queue.id) ?? null })),
    })),
    cpus: cpuRows.map((cpu) => ({
      id: cpu.id,
      cpu: cpu.cpu,
      numaNode: cpu.numaNode,
      smtSiblings: cpu.smtSiblings,
      isolated: cpu.isolated,
      owner: cpuOwner.get(cpu.id) ?? null,
    })),
  };
}
