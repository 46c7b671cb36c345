import { apps, appVersions, instances, nics, nodes } from "@sluice/db";
import { TRPCError } from "@trpc/server";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { announce } from "../agents/runtime.js";
import { allocate } from "../allocation/allocate.js";
import { AllocationRefusedError } from "../allocation/errors.js";
import { recordAudit } from "../audit.js";
import { desiredStateFor } from "../fleet/desired-state.js";
import { operatorProcedure, router, viewerProcedure } from "../trpc.js";
import { byId } from "./inputs.js";

const name = z
  .string()
  .trim()
  .min(1, "required")
  .max(64, "at most 64 characters")
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'");

const config = z
  .record(z.string(), z.unknown())
  .default({})
  .refine((value) => JSON.stringify(value).length <= 16_384, "config is limited to 16 KiB of JSON");

export const allocationRouter = router({
  allocate: operatorProcedure
    .input(
      z
        .object({
          nodeId: z.uuid().optional(),
          app: name,
          version: z.string().trim().min(1, "required").max(64, "at most 64 characters"),
          config,
          cores: z.number().int().min(0).max(256),
          queues: z.number().int().min(0).max(256),
          nic: z.string().trim().min(1).max(15).optional(),
          allowSmtSharing: z.boolean().default(false),
        })
        .refine((request) => request.cores + request.queues > 0, {
          message: "ask for at least one core or queue",
          path: ["cores"],
        }),
    )
    .mutation(async ({ ctx, input }) => {
      try {
        return await allocate(ctx.db, input, ctx.actor, ctx.now());
      } catch (error) {
        if (!(error instanceof AllocationRefusedError)) throw error;
        // The refusals travel to the client in error.data.allocationRefusals (see trpc.ts).
        throw new TRPCError({ code: "PRECONDITION_FAILED", message: error.message, cause: error });
      }
    }),

  /** Deletes an instance; its cores and queues are free again at once. */
  release: operatorProcedure.input(byId).mutation(async ({ ctx, input }) => {
    const [node] = await ctx.db.select({ nodeId: instances.nodeId }).from(instances).where(eq(instances.id, input.id));
    if (!node) throw new TRPCError({ code: "NOT_FOUND", message: "no such instance" });
    const before = (await desiredStateFor(ctx.db, node.nodeId)).instances.find((instance) => instance.id === input.id);
    return ctx.db
      .transaction(async (tx) => {
        const removed = await tx.delete(instances).where(eq(instances.id, input.id)).returning({ id: instances.id });
        if (removed.length === 0) throw new TRPCError({ code: "NOT_FOUND", message: "no such instance" });
        await announce(tx, { releasedInstance: input.id });
        await recordAudit(tx, ctx.actor, ctx.now(), {
          action: "instance.release",
          targetKind: "instance",
          targetId: input.id,
          before: { nodeId: node.nodeId, ...before },
        });
        return { id: input.id };
      })
      .then((result) => {
        ctx.agents.apply({ releasedInstance: input.id });
        return result;
      });
  }),

  listInstances: viewerProcedure.input(z.object({ nodeId: z.uuid().optional() }).default({})).query(({ ctx, input }) =>
    ctx.db
      .select({
        id: instances.id,
        nodeId: instances.nodeId,
        nodeName: nodes.name,
        app: apps.name,
        version: appVersions.version,
        nic: nics.name,
        reportedState: instances.reportedState,
        createdAt: instances.createdAt,
      })
      .from(instances)
      .innerJoin(nodes, eq(nodes.id, instances.nodeId))
      .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
      .innerJoin(apps, eq(apps.id, appVersions.appId))
      .leftJoin(nics, eq(nics.id, instances.nicId))
      .where(input.nodeId ? eq(instances.nodeId, input.nodeId) : undefined)
      .orderBy(asc(nodes.name), asc(instances.createdAt)),
  ),
});
