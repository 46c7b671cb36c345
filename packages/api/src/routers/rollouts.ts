// Starting rollouts, operator commands on them, and their progress (with a live change feed for the UI).
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  apps,
  appVersions,
  type Executor,
  instances,
  isUniqueViolation,
  nodes,
  rolloutSteps,
  rollouts,
} from "@sluice/db";
import { TRPCError, tracked } from "@trpc/server";
import { asc, desc, eq, inArray, max, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit.js";
import { saveRollout } from "../rollouts/driver.js";
import {
  command,
  initialState,
  RolloutCommandError,
  type RolloutSpec,
  type RolloutState,
  type Slot,
} from "../rollouts/machine.js";
import { operatorProcedure, router, viewerProcedure } from "../trpc.js";
import { byId } from "./inputs.js";

const startInput = z.object({
  versionId: z.number().int().positive(),
  maxUnavailable: z.number().int().min(1, "at least 1").max(1000).default(1),
  canary: z.number().int().min(0, "not negative").max(1000).default(0),
  healthTimeoutSeconds: z.number().int().min(1, "at least 1 s").max(3600, "at most an hour").default(60),
  requireTraffic: z.boolean().default(false),
});

type SlotPlan = Omit<Slot, "status" | "instanceId" | "startedAt" | "message">;

/**
 * One slot per instance the version's placement asks for on each target node. Instances of the app already on
 * that node (of another version) are replaced one for one; ones already running the new version count as done.
 */
async function planSlots(db: Executor, appId: number, version: typeof appVersions.$inferSelect): Promise<SlotPlan[]> {
  const { nodeNames, instancesPerNode, nodeSelector = {} } = version.placement;
  const candidates = await db
    .select({ id: nodes.id, name: nodes.name, state: nodes.state, labels: nodes.labels })
    .from(nodes)
    .where(nodeNames.length ? inArray(nodes.name, nodeNames) : inArray(nodes.state, ["ready", "degraded"]))
    .orderBy(asc(nodes.name));
  const wanted = Object.entries(nodeSelector);
  const targets = candidates.filter((node) => wanted.every(([key, value]) => node.labels[key] === value));
  if (wanted.length > 0 && targets.length === 0) {
    const selector = wanted.map(([key, value]) => `${key}=${value}`).join(", ");
    const named = nodeNames.length ? "of the named nodes" : "ready node";
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: `no ${named} has the labels ${selector}` });
  }
  const missing = nodeNames.filter((name) => !candidates.some((node) => node.name === name));
  const unusable = targets.filter((node) => node.state !== "ready" && node.state !== "degraded");
  if (missing.length > 0 || unusable.length > 0) {
    const problems = [
      ...missing.map((name) => `${name} has not joined`),
      ...unusable.map((node) => `${node.name} is ${node.state}`),
    ];
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: `cannot place on: ${problems.join("; ")}` });
  }
  if (targets.length === 0) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "no ready node to place on" });

  const existing = await db
    .select({ id: instances.id, nodeId: instances.nodeId, versionId: instances.appVersionId })
    .from(instances)
    .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
    .where(eq(appVersions.appId, appId))
    .orderBy(asc(instances.createdAt), asc(instances.id));
  return targets.flatMap((node) => {
    const here = existing.filter((instance) => instance.nodeId === node.id);
    const current = here.filter((instance) => instance.versionId === version.id).length;
    const old = here.filter((instance) => instance.versionId !== version.id);
    return Array.from({ length: Math.max(0, instancesPerNode - current) }, (_, index) => ({
      nodeId: node.id,
      nodeName: node.name,
      fromInstanceId: old[index]?.id ?? null,
      fromVersionId: old[index]?.versionId ?? null,
    }));
  });
}

async function lockRollout(db: Executor, id: string) {
  const [row] = await db.select().from(rollouts).where(eq(rollouts.id, id)).for("update");
  if (!row) throw new TRPCError({ code: "NOT_FOUND", message: "no such rollout" });
  return row;
}

function commandProcedure(which: "pause" | "resume" | "promote" | "abort") {
  return operatorProcedure.input(byId).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      const row = await lockRollout(tx, input.id);
      const before = row.state as unknown as RolloutState;
      let next: ReturnType<typeof command>;
      try {
        next = command(before, which, ctx.user.username, ctx.now());
      } catch (error) {
        if (!(error instanceof RolloutCommandError)) throw error;
        throw new TRPCError({ code: "PRECONDITION_FAILED", message: error.message });
      }
      await saveRollout(tx, row.id, before.phase, next.state, next.events, ctx.now(), ctx.actor);
      return { id: row.id, phase: next.state.phase };
    }),
  );
}

const rolloutColumns = {
  id: rollouts.id,
  appId: rollouts.appId,
  phase: rollouts.phase,
  reason: rollouts.reason,
  spec: rollouts.spec,
  state: rollouts.state,
  createdAt: rollouts.createdAt,
  updatedAt: rollouts.updatedAt,
  toVersion: appVersions.version,
};

export const rolloutsRouter = router({
  start: operatorProcedure.input(startInput).mutation(async ({ ctx, input }) => {
    try {
      return await ctx.db.transaction(async (tx) => {
        const [version] = await tx.select().from(appVersions).where(eq(appVersions.id, input.versionId));
        if (!version) throw new TRPCError({ code: "NOT_FOUND", message: "no such app version" });
        const [app] = await tx.select().from(apps).where(eq(apps.id, version.appId)).for("update");
        const slots = await planSlots(tx, app!.id, version);
        if (slots.length === 0) {
          throw new TRPCError({
            code: "PRECONDITION_FAILED",
            message: `${app!.name} ${version.version} already runs everywhere its placement asks for`,
          });
        }
        const fromVersions = slots.flatMap((slot) => (slot.fromVersionId === null ? [] : [slot.fromVersionId]));
        const spec: RolloutSpec = {
          maxUnavailable: input.maxUnavailable,
          canary: input.canary,
          healthTimeoutMs: input.healthTimeoutSeconds * 1000,
          requireTraffic: input.requireTraffic,
          maxErrorRate: version.maxErrorRate,
        };
        const state = initialState(slots);
        const [row] = await tx
          .insert(rollouts)
          .values({
            appId: app!.id,
            fromVersionId: fromVersions[0] ?? null,
            toVersionId: version.id,
            phase: state.phase,
            spec: { ...spec },
            state: state as unknown as Record<string, unknown>,
            createdBy: ctx.user.id,
            createdAt: ctx.now(),
            updatedAt: ctx.now(),
          })
          .returning({ id: rollouts.id });
        const where = [...new Set(slots.map((slot) => slot.nodeName))].join(", ");
        await tx.insert(rolloutSteps).values({
          rolloutId: row!.id,
          at: ctx.now(),
          kind: "command",
          message: `started by ${ctx.user.username}: ${slots.length} instance(s) of ${version.version} on ${where}`,
        });
        await recordAudit(tx, ctx.actor, ctx.now(), {
          action: "rollout.start",
          targetKind: "rollout",
          targetId: row!.id,
          after: { app: app!.name, version: version.version, spec, slots },
        });
        return { id: row!.id, slots: slots.length };
      });
    } catch (error) {
      if (isUniqueViolation(error, "rollouts_one_active_per_app")) {
        throw new TRPCError({ code: "CONFLICT", message: "this app already has a rollout in progress" });
      }
      throw error;
    }
  }),

  pause: commandProcedure("pause"),
  resume: commandProcedure("resume"),
  promote: commandProcedure("promote"),
  abort: commandProcedure("abort"),

  /** An app's rollouts, newest first. */
  list: viewerProcedure
    .input(z.object({ appId: z.number().int().positive() }))
    .query(({ ctx, input }) =>
      ctx.db
        .select(rolloutColumns)
        .from(rollouts)
        .innerJoin(appVersions, eq(appVersions.id, rollouts.toVersionId))
        .where(eq(rollouts.appId, input.appId))
        .orderBy(desc(rollouts.createdAt))
        .limit(20),
    ),

  /** One rollout with its recorded steps, oldest first. */
  get: viewerProcedure.input(byId).query(async ({ ctx, input }) => {
    const [row] = await ctx.db
      .select(rolloutColumns)
      .from(rollouts)
      .innerJoin(appVersions, eq(appVersions.id, rollouts.toVersionId))
      .where(eq(rollouts.id, input.id));
    if (!row) throw new TRPCError({ code: "NOT_FOUND", message: "no such rollout" });
    const steps = await ctx.db
      .select()
      .from(rolloutSteps)
      .where(eq(rolloutSteps.rolloutId, input.id))
      .orderBy(asc(rolloutSteps.id));
    return { ...row, state: row.state as unknown as RolloutState, steps };
  }),

  /**
   * Emits whenever anything about the app's rollouts or instances changes, so the page refetches instead of
   * polling. It watches the database (not an in-process event) because the replica driving the rollout may not
   * be the one serving this browser.
   */
  changes: viewerProcedure
    .input(z.object({ appId: z.number().int().positive(), lastEventId: z.string().nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      let last = input.lastEventId ?? "";
      while (!signal?.aborted) {
        const version = await changeVersion(ctx.db, input.appId);
        if (version !== last) {
          last = version;
          yield tracked(version, { appId: input.appId });
        }
        await sleep(1000, undefined, { signal }).catch(() => undefined);
      }
    }),
});

/** A fingerprint of what the app page shows: rollout updates, steps, and instance states. */
async function changeVersion(db: Executor, appId: number): Promise<string> {
  const [rolloutMark] = await db
    .select({ at: max(rollouts.updatedAt), steps: sql<number>`count(${rolloutSteps.id})::int` })
    .from(rollouts)
    .leftJoin(rolloutSteps, eq(rolloutSteps.rolloutId, rollouts.id))
    .where(eq(rollouts.appId, appId));
  const placed = await db
    .select({ id: instances.id, state: instances.reportedState })
    .from(instances)
    .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
    .where(eq(appVersions.appId, appId))
    .orderBy(asc(instances.id));
  const hash = createHash("sha256");
  hash.update(`${rolloutMark?.at?.getTime() ?? 0}:${rolloutMark?.steps ?? 0}`);
  for (const row of placed) hash.update(`|${row.id}:${row.state ?? "-"}`);
  return hash.digest("hex").slice(0, 16);
}
