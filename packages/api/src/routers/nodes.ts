import { allocations, apps, appVersions, cpus, instances, nicQueues, nics, nodeCredentials, nodes } from "@sluice/db";
import { TRPCError } from "@trpc/server";
import { and, asc, desc, eq, ilike, inArray, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { announce } from "../agents/runtime.js";
import { loadNodeSnapshot } from "../allocation/snapshot.js";
import { recordAudit } from "../audit.js";
import { operatorProcedure, router, viewerProcedure } from "../trpc.js";
import { byId, labels } from "./inputs.js";

type NodeState = (typeof nodes.$inferSelect)["state"];

const sortColumns = { name: nodes.name, state: nodes.state, lastHeartbeat: nodes.lastHeartbeatAt } as const;

/** Escapes LIKE wildcards so a search for "a_b" finds that text, not "a" + any character + "b". */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Operator transitions: from which states each one is allowed, and where it leads. */
const transitions = {
  cordon: { from: ["ready", "degraded", "draining", "joining"], to: "cordoned" },
  drain: { from: ["ready", "degraded", "cordoned"], to: "draining" },
  uncordon: { from: ["cordoned", "draining"], to: "ready" },
} satisfies Record<string, { from: NodeState[]; to: NodeState }>;

function transitionProcedure(action: keyof typeof transitions) {
  const { from, to } = transitions[action];
  return operatorProcedure.input(byId).mutation(({ ctx, input }) =>
    ctx.db
      .transaction(async (tx) => {
        const [before] = await tx.select().from(nodes).where(eq(nodes.id, input.id)).for("update");
        if (!before) throw new TRPCError({ code: "NOT_FOUND", message: "no such node" });
        if (!(from as NodeState[]).includes(before.state)) {
          throw new TRPCError({
            code: "PRECONDITION_FAILED",
            message: `cannot ${action} a node that is ${before.state} (only from ${from.join(", ")})`,
          });
        }
        const stateReason = to === "ready" ? null : `${action} by ${ctx.user.username}`;
        const [after] = await tx
          .update(nodes)
          .set({ state: to, stateReason })
          .where(eq(nodes.id, input.id))
          .returning({ id: nodes.id, state: nodes.state, stateReason: nodes.stateReason });
        await recordAudit(tx, ctx.actor, ctx.now(), {
          action: `node.${action}`,
          targetKind: "node",
          targetId: input.id,
          before: { state: before.state, reason: before.stateReason },
          after: { state: after!.state, reason: after!.stateReason },
        });
        // The node's next heartbeat must be written in full (its state answer and rules changed), on every replica.
        await announce(tx, { changedNode: input.id });
        return after!;
      })
      .then((after) => {
        ctx.agents.apply({ changedNode: input.id });
        return after;
      }),
  );
}

export const nodesRouter = router({
  list: viewerProcedure
    .input(
      z
        .object({
          search: z.string().trim().max(100).optional(),
          sort: z.enum(["name", "state", "lastHeartbeat"]).default("name"),
          direction: z.enum(["asc", "desc"]).default("asc"),
        })
        .default({ sort: "name", direction: "asc" }),
    )
    .query(async ({ ctx, input }) => {
      const search = input.search ? likePattern(input.search) : undefined;
      const order = input.direction === "asc" ? asc : desc;
      const rows = await ctx.db
        .select({
          id: nodes.id,
          name: nodes.name,
          state: nodes.state,
          stateReason: nodes.stateReason,
          lastHeartbeatAt: nodes.lastHeartbeatAt,
          kernel: sql<string | null>`${nodes.inventory}->>'kernel'`,
          labels: nodes.labels,
        })
        .from(nodes)
        .where(
          search
            ? or(
                ilike(nodes.name, search),
                sql`${nodes.state}::text ilike ${search}`,
                // "env=prod" finds the nodes labelled so; a bare word finds it in any key or value.
                sql`exists (select 1 from jsonb_each_text(${nodes.labels}) as label(key, value)
                  where label.key || '=' || label.value ilike ${search})`,
              )
            : undefined,
        )
        .orderBy(order(sortColumns[input.sort]), asc(nodes.name), asc(nodes.id));
      if (rows.length === 0) return [];
      const ids = rows.map((row) => row.id);
      const cpuCounts = await ctx.db
        .select({
          nodeId: cpus.nodeId,
          total: sql<number>`count(*)::int`,
          owned: sql<number>`count(${allocations.id})::int`,
        })
        .from(cpus)
        .leftJoin(allocations, eq(allocations.cpuId, cpus.id))
        .where(inArray(cpus.nodeId, ids))
        .groupBy(cpus.nodeId);
      const queueCounts = await ctx.db
        .select({
          nodeId: nics.nodeId,
          total: sql<number>`count(*)::int`,
          owned: sql<number>`count(${allocations.id})::int`,
        })
        .from(nicQueues)
        .innerJoin(nics, eq(nics.id, nicQueues.nicId))
        .leftJoin(allocations, eq(allocations.queueId, nicQueues.id))
        .where(inArray(nics.nodeId, ids))
        .groupBy(nics.nodeId);
      const none = { total: 0, owned: 0 };
      return rows.map((row) => ({
        ...row,
        cores: cpuCounts.find((count) => count.nodeId === row.id) ?? none,
        queues: queueCounts.find((count) => count.nodeId === row.id) ?? none,
      }));
    }),

  /** One node with its NICs (and each queue's owner) and its CPUs (and each core's owner). */
  get: viewerProcedure.input(byId).query(async ({ ctx, input }) => {
    const [node] = await ctx.db.select().from(nodes).where(eq(nodes.id, input.id));
    const snapshot = node ? await loadNodeSnapshot(ctx.db, input.id) : undefined;
    if (!node || !snapshot) throw new TRPCError({ code: "NOT_FOUND", message: "no such node" });
    const nicRows = await ctx.db.select().from(nics).where(eq(nics.nodeId, input.id));
    const instanceRows = await ctx.db
      .select({
        id: instances.id,
        app: apps.name,
        version: appVersions.version,
        reportedState: instances.reportedState,
        createdAt: instances.createdAt,
      })
      .from(instances)
      .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
      .innerJoin(apps, eq(apps.id, appVersions.appId))
      .where(eq(instances.nodeId, input.id))
      .orderBy(asc(instances.createdAt));
    return {
      id: node.id,
      name: node.name,
      state: node.state,
      stateReason: node.stateReason,
      lastHeartbeatAt: node.lastHeartbeatAt,
      joinedAt: node.joinedAt,
      labels: node.labels,
      inventory: node.inventory,
      nics: snapshot.nics.map((nic) => {
        const row = nicRows.find((candidate) => candidate.id === nic.id)!;
        return { ...nic, driver: row.driver, mac: row.mac, speedMbps: row.speedMbps, xdp: row.xdp };
      }),
      cpus: snapshot.cpus,
      instances: instanceRows,
    };
  }),

  cordon: transitionProcedure("cordon"),
  uncordon: transitionProcedure("uncordon"),
  drain: transitionProcedure("drain"),

  /** Replaces the node's labels (what app versions' node selectors match); audited with before and after. */
  setLabels: operatorProcedure.input(z.object({ id: z.uuid(), labels })).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      const [before] = await tx
        .select({ name: nodes.name, labels: nodes.labels })
        .from(nodes)
        .where(eq(nodes.id, input.id))
        .for("update");
      if (!before) throw new TRPCError({ code: "NOT_FOUND", message: "no such node" });
      await tx.update(nodes).set({ labels: input.labels }).where(eq(nodes.id, input.id));
      await recordAudit(tx, ctx.actor, ctx.now(), {
        action: "node.labels",
        targetKind: "node",
        targetId: input.id,
        before: { name: before.name, labels: before.labels },
        after: { labels: input.labels },
      });
      return { id: input.id, labels: input.labels };
    }),
  ),

  /** Revokes every credential of the node: its agent is refused from the next request on (rejoin with a token). */
  revokeCredential: operatorProcedure.input(byId).mutation(({ ctx, input }) =>
    ctx.db
      .transaction(async (tx) => {
        const [node] = await tx.select({ name: nodes.name }).from(nodes).where(eq(nodes.id, input.id)).for("update");
        if (!node) throw new TRPCError({ code: "NOT_FOUND", message: "no such node" });
        const revoked = await tx
          .update(nodeCredentials)
          .set({ revokedAt: ctx.now() })
          .where(and(eq(nodeCredentials.nodeId, input.id), isNull(nodeCredentials.revokedAt)))
          .returning({ id: nodeCredentials.id });
        if (revoked.length === 0) {
          throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${node.name} has no active credential` });
        }
        // Every replica drops its cached copy when this commits; this one also right after (below).
        await announce(tx, { revokedNode: input.id });
        await recordAudit(tx, ctx.actor, ctx.now(), {
          action: "node.credential.revoke",
          targetKind: "node",
          targetId: input.id,
          before: { name: node.name, activeCredentials: revoked.length },
          after: { activeCredentials: 0 },
        });
        return { revoked: revoked.length };
      })
      .then((result) => {
        ctx.agents.apply({ revokedNode: input.id });
        return result;
      }),
  ),
});
