// Turning a request into an instance that owns cores and queues, atomically.
//
// Concurrency: the transaction locks the candidate node rows (SELECT ... FOR UPDATE), so two allocations on the
// same node run one after the other even across control-plane replicas, and each plans against what the other
// committed. The UNIQUE constraints on allocations are the last line: if anything ever slipped past the lock,
// the insert fails with a unique violation and the whole request is planned again from a fresh snapshot.
import {
  allocations,
  apps,
  appVersions,
  type Database,
  type Executor,
  instances,
  isUniqueViolation,
  nodes,
} from "@sluice/db";
import { and, asc, eq } from "drizzle-orm";
import { type AuditActor, recordAudit } from "../audit.js";
import { type AllocationRefusal, AllocationRefusedError } from "./errors.js";
import { type AllocationPlan, type AllocationRequest, planAllocation } from "./plan.js";
import { loadNodeSnapshot } from "./snapshot.js";

export interface AllocateInput extends AllocationRequest {
  /** A specific node, or any node that can take the request (tried in name order). */
  nodeId?: string | undefined;
  version: string;
  config: Record<string, unknown>;
}

export interface AllocationResult {
  instanceId: string;
  nodeId: string;
  nodeName: string;
  nic: string | null;
  cores: number[];
  queues: number[];
  notes: string[];
}

const MAX_ATTEMPTS = 5;

export async function allocate(
  db: Database,
  input: AllocateInput,
  actor: AuditActor,
  now: Date,
): Promise<AllocationResult> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction((tx) => allocateOnce(tx, input, actor, now));
    } catch (error) {
      if (
        !isUniqueViolation(error, "allocations_cpu_unique") &&
        !isUniqueViolation(error, "allocations_queue_unique")
      ) {
        throw error;
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new AllocationRefusedError([
          {
            nodeId: input.nodeId ?? "",
            nodeName: input.nodeId ?? "any node",
            constraint: "conflict",
            message: `other allocations kept taking the same cores or queues; gave up after ${attempt} attempts`,
          },
        ]);
      }
    }
  }
}

async function allocateOnce(
  tx: Executor,
  input: AllocateInput,
  actor: AuditActor,
  now: Date,
): Promise<AllocationResult> {
  const candidates = await tx
    .select({ id: nodes.id })
    .from(nodes)
    .where(input.nodeId ? eq(nodes.id, input.nodeId) : undefined)
    .orderBy(asc(nodes.name), asc(nodes.id))
    .for("update");
  if (input.nodeId && candidates.length === 0) {
    throw new AllocationRefusedError([
      { nodeId: input.nodeId, nodeName: input.nodeId, constraint: "node-state", message: "no such node" },
    ]);
  }

  const refusals: AllocationRefusal[] = [];
  for (const candidate of candidates) {
    const snapshot = await loadNodeSnapshot(tx, candidate.id);
    if (!snapshot) continue;
    const result = planAllocation(snapshot, input);
    if (!result.ok) {
      refusals.push(result.refusal);
      continue;
    }
    return commitPlan(tx, input, result.plan, snapshot.name, actor, now);
  }
  throw new AllocationRefusedError(refusals);
}

async function ensureAppVersion(tx: Executor, app: string, version: string): Promise<number> {
  await tx.insert(apps).values({ name: app }).onConflictDoNothing();
  const [appRow] = await tx.select({ id: apps.id }).from(apps).where(eq(apps.name, app));
  await tx.insert(appVersions).values({ appId: appRow!.id, version }).onConflictDoNothing();
  const [versionRow] = await tx
    .select({ id: appVersions.id })
    .from(appVersions)
    .where(and(eq(appVersions.appId, appRow!.id), eq(appVersions.version, version)));
  return versionRow!.id;
}

async function commitPlan(
  tx: Executor,
  input: AllocateInput,
  plan: AllocationPlan,
  nodeName: string,
  actor: AuditActor,
  now: Date,
): Promise<AllocationResult> {
  const appVersionId = await ensureAppVersion(tx, input.app, input.version);
  const [instance] = await tx
    .insert(instances)
    .values({
      nodeId: plan.nodeId,
      appVersionId,
      nicId: plan.nic?.id ?? null,
      config: input.config,
      allowSmtSharing: input.allowSmtSharing,
      createdBy: actor.kind === "user" ? actor.user.id : null,
    })
    .returning({ id: instances.id });
  const rows = [
    ...plan.cpus.map((cpu) => ({ instanceId: instance!.id, nodeId: plan.nodeId, cpuId: cpu.id })),
    ...plan.queues.map((queue) => ({ instanceId: instance!.id, nodeId: plan.nodeId, queueId: queue.id })),
  ];
  if (rows.length > 0) await tx.insert(allocations).values(rows);
  const result: AllocationResult = {
    instanceId: instance!.id,
    nodeId: plan.nodeId,
    nodeName,
    nic: plan.nic?.name ?? null,
    cores: plan.cpus.map((cpu) => cpu.cpu),
    queues: plan.queues.map((queue) => queue.index),
    notes: plan.notes,
  };
  await recordAudit(tx, actor, now, {
    action: "instance.allocate",
    targetKind: "instance",
    targetId: instance!.id,
    after: { app: input.app, version: input.version, config: input.config, ...result },
  });
  return result;
}
