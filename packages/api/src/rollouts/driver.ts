// Drives rollouts: once a second the server calls tickRollouts, which feeds each active rollout what the agents
// reported into the state machine (machine.ts) and carries out the actions it returns with the allocation engine.
//
// One leader: the whole tick runs in one transaction that first takes a transaction-scoped advisory lock with
// pg_try_advisory_xact_lock. A replica that does not get it skips the tick, so two replicas never drive rollouts
// at the same time, and the lock goes away with the transaction even if the replica dies. Operator commands
// (rollouts router) lock the rollout's row, so they and a tick on the same rollout run one after the other.

import { apps, appVersions, type Database, type Executor, instances, rolloutSteps, rollouts } from "@sluice/db";
import { asc, eq, inArray, sql } from "drizzle-orm";
import { announce } from "../agents/runtime.js";
import { allocate } from "../allocation/allocate.js";
import { AllocationRefusedError } from "../allocation/errors.js";
import { type AuditActor, recordAudit } from "../audit.js";
import {
  advance,
  type InstanceObservation,
  type RolloutAction,
  type RolloutEvent,
  type RolloutSpec,
  type RolloutState,
  startResult,
} from "./machine.js";

/** The advisory lock key of the rollout leader ("sluroll" in ASCII). */
export const ROLLOUT_LEADER_LOCK = 0x736c75726f6c6cn;

const SYSTEM: AuditActor = { kind: "system" };

export interface TickReport {
  /** False when another replica held the leader lock; nothing was done. */
  leader: boolean;
  advanced: string[];
  /** Rollouts whose step threw; they are left as they were and retried on the next tick. */
  failed: Array<{ id: string; error: string }>;
}

/**
 * `trafficSeen` defaults to "never", which only matters to rollouts that require traffic; `errorRate` to "not
 * measurable", which never fails an instance. The server answers both from its live store.
 */
export async function tickRollouts(
  db: Database,
  now: Date,
  trafficSeen: TrafficSeen = () => false,
  errorRate: ErrorRateOf = () => null,
): Promise<TickReport> {
  return db.transaction(async (tx) => {
    // Both drivers (PGlite and node-postgres) return the rows under `rows`.
    const lock = (await tx.execute(
      sql`select pg_try_advisory_xact_lock(${ROLLOUT_LEADER_LOCK}) as locked`,
    )) as unknown as {
      rows: Array<{ locked: boolean }>;
    };
    if (!lock.rows[0]?.locked) return { leader: false, advanced: [], failed: [] };
    const active = await tx
      .select()
      .from(rollouts)
      // A canary awaiting promotion is still watched (its error rate can roll it back).
      .where(inArray(rollouts.phase, ["running", "aborting", "awaiting-promotion"]))
      .orderBy(asc(rollouts.createdAt))
      .for("update");
    const report: TickReport = { leader: true, advanced: [], failed: [] };
    for (const row of active) {
      // A savepoint per rollout: one that cannot advance (a bug, a vanished row) does not hold up the others.
      try {
        await tx.transaction((rollout) =>
          advanceRollout(rollout as unknown as Database, row, now, { trafficSeen, errorRate }),
        );
        report.advanced.push(row.id);
      } catch (error) {
        report.failed.push({ id: row.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return report;
  });
}

type RolloutRow = typeof rollouts.$inferSelect;

/** Whether an instance has received traffic; the server answers from its live store (see live/store.ts). */
export type TrafficSeen = (instanceId: string) => boolean;
/** An instance's recent error rate (see machine.ts), or null when it cannot be judged yet. */
export type ErrorRateOf = (instanceId: string) => number | null;

interface HealthSources {
  trafficSeen: TrafficSeen;
  errorRate: ErrorRateOf;
}

async function observe(
  db: Executor,
  state: RolloutState,
  { trafficSeen, errorRate }: HealthSources,
): Promise<Map<string, InstanceObservation>> {
  const ids = state.slots.flatMap((slot) => (slot.instanceId ? [slot.instanceId] : []));
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: instances.id, reportedState: instances.reportedState })
    .from(instances)
    .where(inArray(instances.id, ids));
  return new Map(
    rows.map((row) => [
      row.id,
      { reportedState: row.reportedState, trafficSeen: trafficSeen(row.id), errorRate: errorRate(row.id) },
    ]),
  );
}

async function advanceRollout(db: Database, row: RolloutRow, now: Date, sources: HealthSources): Promise<void> {
  const spec = row.spec as unknown as RolloutSpec;
  const before = row.state as unknown as RolloutState;
  const transition = advance(spec, before, await observe(db, before, sources), now);
  let state = transition.state;
  const events = [...transition.events];
  for (const action of transition.actions) {
    state = await carryOut(db, row, state, action, now, events);
  }
  await saveRollout(db, row.id, before.phase, state, events, now);
}

/** Does one action; a start that cannot be placed marks its slot failed, which the next tick rolls back. */
async function carryOut(
  db: Database,
  row: RolloutRow,
  state: RolloutState,
  action: RolloutAction,
  now: Date,
  events: RolloutEvent[],
): Promise<RolloutState> {
  const slot = state.slots[action.slot]!;
  if (action.release) await releaseInstance(db, action.release, now);
  const versionId = action.kind === "start" ? row.toVersionId : action.restoreVersionId;
  if (versionId === null) return state;
  try {
    const instanceId = await placeVersion(db, versionId, slot.nodeId, now);
    if (action.kind === "start") return startResult(state, action.slot, { instanceId });
    events.push({
      kind: "slot.restored",
      message: `restored the previous version on ${slot.nodeName}`,
      slot: action.slot,
    });
    return state;
  } catch (error) {
    if (!(error instanceof AllocationRefusedError)) throw error;
    if (action.kind === "start") return startResult(state, action.slot, { error: error.message });
    const message = `could not restore the previous version on ${slot.nodeName}: ${error.message}`;
    events.push({ kind: "slot.restore-failed", message, slot: action.slot });
    return state;
  }
}

/** Places one instance of a version on a node through the allocation engine; returns its id. */
export async function placeVersion(db: Database, versionId: number, nodeId: string, now: Date): Promise<string> {
  const [version] = await db
    .select({ app: apps.name, spec: appVersions })
    .from(appVersions)
    .innerJoin(apps, eq(apps.id, appVersions.appId))
    .where(eq(appVersions.id, versionId));
  if (!version) throw new Error(`app version ${versionId} vanished`);
  const result = await allocate(
    db,
    {
      nodeId,
      app: version.app,
      version: version.spec.version,
      config: version.spec.config,
      cores: version.spec.coresPerInstance,
      queues: version.spec.queuesPerInstance,
      allowSmtSharing: version.spec.allowSmtSharing,
    },
    SYSTEM,
    now,
  );
  return result.instanceId;
}

async function releaseInstance(db: Executor, instanceId: string, now: Date): Promise<void> {
  const removed = await db
    .delete(instances)
    .where(eq(instances.id, instanceId))
    .returning({ id: instances.id, nodeId: instances.nodeId, appVersionId: instances.appVersionId });
  if (removed.length === 0) return; // Already gone (released by an operator): nothing to free.
  await announce(db, { releasedInstance: instanceId });
  await recordAudit(db, SYSTEM, now, {
    action: "instance.release",
    targetKind: "instance",
    targetId: instanceId,
    before: removed[0],
  });
}

/** Writes the new state, one rollout_steps row per event, and an audit entry when the phase changed. */
export async function saveRollout(
  db: Executor,
  id: string,
  phaseBefore: string,
  state: RolloutState,
  events: RolloutEvent[],
  now: Date,
  actor: AuditActor = SYSTEM,
): Promise<void> {
  await db
    .update(rollouts)
    .set({
      phase: state.phase,
      state: state as unknown as Record<string, unknown>,
      reason: state.reason,
      updatedAt: now,
    })
    .where(eq(rollouts.id, id));
  if (events.length > 0) {
    await db.insert(rolloutSteps).values(
      events.map((event) => ({
        rolloutId: id,
        at: now,
        kind: event.kind,
        message: event.message,
        detail: event.slot === undefined ? null : { slot: event.slot, node: state.slots[event.slot]?.nodeName },
      })),
    );
  }
  if (state.phase !== phaseBefore) {
    await recordAudit(db, actor, now, {
      action: "rollout.phase",
      targetKind: "rollout",
      targetId: id,
      before: { phase: phaseBefore },
      after: { phase: state.phase, reason: state.reason },
    });
  }
}
