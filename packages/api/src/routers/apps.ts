// Apps and their versions. A version is an immutable spec (what to run, how, where, with how many cores and
// queues); changing anything means creating a new version and rolling it out.

import {
  activeRolloutPhases,
  apps,
  appVersions,
  artifacts,
  type Executor,
  instances,
  isUniqueViolation,
  nodes,
  rollouts,
} from "@sluice/db";
import { builtinAppName } from "@sluice/proto";
import { TRPCError } from "@trpc/server";
import { and, asc, count, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit.js";
import { DEFAULT_MAX_ERROR_RATE } from "../rollouts/machine.js";
import { operatorProcedure, router, viewerProcedure } from "../trpc.js";
import { labels } from "./inputs.js";

const appName = z
  .string()
  .trim()
  .min(1, "required")
  .max(64, "at most 64 characters")
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'");

const CONFIG_LIMIT = 16_384;

/** What the form sends for the artifact; a bundle is named by digest and must have been uploaded. */
const artifactInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("builtin"), name: builtinAppName }),
  z.object({ kind: z.literal("bundle"), sha256: z.string().regex(/^[0-9a-f]{64}$/, "lowercase hex sha256") }),
  z.object({
    kind: z.literal("program"),
    command: z
      .array(z.string().min(1, "empty argument").max(4096))
      .min(1, "a command is required")
      .max(256)
      // Run by `sluice accelerate` on each node: the program is named by its absolute path, never looked up.
      .refine((argv) => argv[0]?.startsWith("/") ?? false, "the program must be an absolute path (/usr/bin/...)"),
  }),
]);

export const versionInput = z.object({
  appId: z.number().int().positive(),
  version: z
    .string()
    .trim()
    .min(1, "required")
    .max(64, "at most 64 characters")
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "letters, digits, '.', '_', '+' and '-'"),
  artifact: artifactInput,
  implementation: z.enum(["native", "ts"]).default("native"),
  backend: z.enum(["xdp", "dpdk", "tap", "kernel"]).default("xdp"),
  config: z
    .record(z.string(), z.unknown())
    .default({})
    .refine((value) => JSON.stringify(value).length <= CONFIG_LIMIT, "config is limited to 16 KiB of JSON"),
  placement: z
    .object({
      instancesPerNode: z.number().int().min(1, "at least 1").max(64, "at most 64"),
      nodeNames: z.array(z.string().trim().min(1).max(253)).max(1000).default([]),
      nodeSelector: labels.default({}),
    })
    .default({ instancesPerNode: 1, nodeNames: [], nodeSelector: {} }),
  coresPerInstance: z.number().int().min(0, "not negative").max(256, "at most 256"),
  queuesPerInstance: z.number().int().min(0, "not negative").max(256, "at most 256"),
  allowSmtSharing: z.boolean().default(false),
  /** The rollout health gate: the largest share of packets a new instance may drop (0..1). */
  maxErrorRate: z.number().min(0, "not negative").max(1, "at most 1 (100 %)").default(DEFAULT_MAX_ERROR_RATE),
});

/**
 * A field error the form shows next to the field, for checks zod cannot do alone (they need the database). The
 * ZodError comes from a real parse: one built by hand is not an Error, and tRPC would not pass it through.
 */
export function fieldError(path: string, message: string): TRPCError {
  const failed = z.object({ [path]: z.custom(() => false, message) }).safeParse({});
  return new TRPCError({ code: "BAD_REQUEST", message, cause: failed.error });
}

async function loadApp(db: Executor, id: number) {
  const [app] = await db.select().from(apps).where(eq(apps.id, id));
  if (!app) throw new TRPCError({ code: "NOT_FOUND", message: "no such app" });
  return app;
}

export const appsRouter = router({
  list: viewerProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.select().from(apps).orderBy(asc(apps.name));
    const versions = await ctx.db
      .select({ appId: appVersions.appId, version: appVersions.version, createdAt: appVersions.createdAt })
      .from(appVersions)
      .orderBy(desc(appVersions.createdAt), desc(appVersions.id));
    const placed = await ctx.db
      .select({ appId: appVersions.appId, instances: count(instances.id) })
      .from(instances)
      .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
      .groupBy(appVersions.appId);
    return rows.map((app) => ({
      ...app,
      versions: versions.filter((version) => version.appId === app.id).length,
      latestVersion: versions.find((version) => version.appId === app.id)?.version ?? null,
      instances: placed.find((row) => row.appId === app.id)?.instances ?? 0,
    }));
  }),

  /** The app, its versions (newest first), and which version runs where. */
  get: viewerProcedure.input(z.object({ id: z.number().int().positive() })).query(async ({ ctx, input }) => {
    const app = await loadApp(ctx.db, input.id);
    const versions = await ctx.db
      .select()
      .from(appVersions)
      .where(eq(appVersions.appId, app.id))
      .orderBy(desc(appVersions.createdAt), desc(appVersions.id));
    const placed = await ctx.db
      .select({
        id: instances.id,
        nodeId: instances.nodeId,
        nodeName: nodes.name,
        version: appVersions.version,
        reportedState: instances.reportedState,
        createdAt: instances.createdAt,
      })
      .from(instances)
      .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
      .innerJoin(nodes, eq(nodes.id, instances.nodeId))
      .where(eq(appVersions.appId, app.id))
      .orderBy(asc(nodes.name), asc(instances.createdAt));
    return { ...app, versions, instances: placed };
  }),

  create: operatorProcedure.input(z.object({ name: appName })).mutation(async ({ ctx, input }) => {
    try {
      return await ctx.db.transaction(async (tx) => {
        const [app] = await tx.insert(apps).values({ name: input.name }).returning();
        await recordAudit(tx, ctx.actor, ctx.now(), {
          action: "app.create",
          targetKind: "app",
          targetId: String(app!.id),
          after: { name: app!.name },
        });
        return app!;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw fieldError("name", `an app named ${input.name} already exists`);
      throw error;
    }
  }),

  createVersion: operatorProcedure.input(versionInput).mutation(async ({ ctx, input }) => {
    const app = await loadApp(ctx.db, input.appId);
    if (input.coresPerInstance + input.queuesPerInstance === 0) {
      throw fieldError("coresPerInstance", "an instance needs at least one core or queue");
    }
    let artifact: NonNullable<(typeof appVersions.$inferInsert)["artifact"]>;
    if (input.artifact.kind === "bundle") {
      const [stored] = await ctx.db.select().from(artifacts).where(eq(artifacts.sha256, input.artifact.sha256));
      if (!stored) throw fieldError("artifact", `no uploaded bundle has sha256 ${input.artifact.sha256}`);
      artifact = { kind: "bundle", sha256: stored.sha256, size: stored.size, format: stored.format };
    } else {
      artifact = input.artifact;
    }
    const { appId, ...spec } = input;
    try {
      return await ctx.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(appVersions)
          .values({ ...spec, appId, artifact, createdBy: ctx.user.id })
          .returning();
        await recordAudit(tx, ctx.actor, ctx.now(), {
          action: "app.version.create",
          targetKind: "app",
          targetId: String(app.id),
          after: { app: app.name, ...spec, artifact },
        });
        return row!;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw fieldError("version", `${app.name} already has a version ${input.version}`);
      throw error;
    }
  }),

  /** Deletes an app with no instances and no rollout in progress (release or roll back first). */
  delete: operatorProcedure.input(z.object({ id: z.number().int().positive() })).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      const [app] = await tx.select().from(apps).where(eq(apps.id, input.id)).for("update");
      if (!app) throw new TRPCError({ code: "NOT_FOUND", message: "no such app" });
      const versionIds = (
        await tx.select({ id: appVersions.id }).from(appVersions).where(eq(appVersions.appId, app.id))
      ).map((row) => row.id);
      const [placed] = versionIds.length
        ? await tx.select({ n: count() }).from(instances).where(inArray(instances.appVersionId, versionIds))
        : [{ n: 0 }];
      if (placed!.n > 0) {
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: `${app.name} still has ${placed!.n} instance(s); release them first`,
        });
      }
      const [active] = await tx
        .select({ id: rollouts.id })
        .from(rollouts)
        .where(and(eq(rollouts.appId, app.id), inArray(rollouts.phase, [...activeRolloutPhases])));
      if (active)
        throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${app.name} has a rollout in progress` });
      await tx.delete(rollouts).where(eq(rollouts.appId, app.id));
      await tx.delete(appVersions).where(eq(appVersions.appId, app.id));
      await tx.delete(apps).where(eq(apps.id, app.id));
      await recordAudit(tx, ctx.actor, ctx.now(), {
        action: "app.delete",
        targetKind: "app",
        targetId: String(app.id),
        before: { name: app.name, versions: versionIds.length },
      });
      return { id: app.id };
    }),
  ),

  /** Uploaded bundles, newest first, to pick from when creating a version. */
  artifacts: viewerProcedure.query(({ ctx }) => ctx.db.select().from(artifacts).orderBy(desc(artifacts.createdAt))),
});
