// What node agents call. A node credential only ever reaches its own node's data.
import { joinTokens, nodeCredentials, nodes } from "@sluice/db";
import { heartbeat, type StatsSample, statsBatch } from "@sluice/proto";
import { TRPCError } from "@trpc/server";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { heartbeatDigest } from "../agents/heartbeats.js";
import { recordAudit } from "../audit.js";
import { desiredStateFor } from "../fleet/desired-state.js";
import { applyHeartbeat } from "../fleet/heartbeat.js";
import type { LiveSample } from "../live/rates.js";
import { hashSecret, newSecret, SECRET_PREFIX } from "../security/secrets.js";
import { agentProcedure, publicProcedure, router } from "../trpc.js";
import { joinTokenStatus } from "./tokens.js";

export const agentRouter = router({
  /** Trades a join token (single use) for a node id and a node credential, whose plaintext is returned once. */
  join: publicProcedure
    .input(z.object({ token: z.string().min(1, "required"), hostname: z.string().trim().min(1).max(253) }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const now = ctx.now();
        const [token] = await tx
          .select()
          .from(joinTokens)
          .where(eq(joinTokens.tokenHash, hashSecret(input.token)))
          .for("update");
        const status = token ? joinTokenStatus(token, now) : "unknown";
        if (!token || status !== "active") {
          throw new TRPCError({ code: "UNAUTHORIZED", message: `join token is ${status}` });
        }
        const [node] = await tx
          .insert(nodes)
          .values({ name: input.hostname, state: "joining", joinedAt: now })
          .returning({ id: nodes.id, name: nodes.name });
        // The row lock above plus this guard make a token good for exactly one join, even with two replicas.
        const claimed = await tx
          .update(joinTokens)
          .set({ usedAt: now, usedByNodeId: node!.id })
          .where(and(eq(joinTokens.id, token.id), isNull(joinTokens.usedAt), isNull(joinTokens.revokedAt)))
          .returning({ id: joinTokens.id });
        if (claimed.length === 0) throw new TRPCError({ code: "UNAUTHORIZED", message: "join token is used" });
        const credential = newSecret(SECRET_PREFIX.nodeCredential);
        await tx
          .insert(nodeCredentials)
          .values({ nodeId: node!.id, secretHash: hashSecret(credential), createdAt: now });
        await recordAudit(tx, { kind: "node", nodeId: node!.id, nodeName: node!.name }, now, {
          action: "node.join",
          targetKind: "node",
          targetId: node!.id,
          after: { name: node!.name, state: "joining", joinToken: token.id },
        });
        return { nodeId: node!.id, credential };
      }),
    ),

  /**
   * A heartbeat that repeats the last one written (same digest) only notes the time, written in a batch within a
   * second (agents/heartbeats.ts); anything new is written in full, in one transaction.
   */
  heartbeat: agentProcedure.input(heartbeat).mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const digest = heartbeatDigest(input);
    const known =
      ctx.agents.heartbeats.unchanged(ctx.node.id, digest, now) ??
      (await ctx.agents.heartbeats.unchangedInDatabase(ctx.db, ctx.node.id, digest, now));
    if (known) return { state: known };
    const result = await ctx.db.transaction((tx) => applyHeartbeat(tx, ctx.node, input, now, digest));
    ctx.agents.heartbeats.remember(ctx.node.id, digest, result.state, now);
    return result;
  }),

  /** The calling node's desired state. Naming another node is refused rather than silently ignored. */
  desiredState: agentProcedure.input(z.object({ nodeId: z.uuid().optional() }).optional()).query(({ ctx, input }) => {
    if (input?.nodeId && input.nodeId !== ctx.node.id) {
      throw new TRPCError({ code: "FORBIDDEN", message: "a node can read only its own desired state" });
    }
    return desiredStateFor(ctx.db, ctx.node.id);
  }),

  /**
   * Stats samples are telemetry, not changes: they are not audited and not written to tables. They go to the live
   * store (per-second rings in memory, per-minute rollups in Postgres) and, through NOTIFY, to the other replicas.
   */
  reportStats: agentProcedure.input(statsBatch).mutation(async ({ ctx, input }) => {
    const ids = [...new Set(input.samples.map((sample) => sample.instanceId))];
    const owners = await ctx.agents.instanceOwners.lookup(ctx.db, ids, ctx.now().getTime());
    const foreign = ids.filter((id) => owners.get(id)?.nodeId !== ctx.node.id);
    if (foreign.length > 0) {
      throw new TRPCError({ code: "FORBIDDEN", message: `instances not on this node: ${foreign.join(", ")}` });
    }
    const appOf = new Map(ids.map((id) => [id, owners.get(id)!.app]));
    ctx.live.accept(toLiveSamples(ctx.node.id, appOf, input.samples, ctx.now().getTime()));
    return { accepted: input.samples.length };
  }),
});

/**
 * Which second each sample is charted at is decided here, by the replica that accepts it, from its own clock:
 * agents' clocks may be off, and every replica must put a sample in the same second. A batch holding several
 * seconds (an agent catching up) keeps its samples' spacing, counted back from the newest.
 */
function toLiveSamples(
  nodeId: string,
  appOf: Map<string, string>,
  samples: readonly StatsSample[],
  acceptedMs: number,
): LiveSample[] {
  const newestMs = Math.max(...samples.map((sample) => sample.at.getTime()));
  return samples.map((sample) => ({
    second: Math.floor((acceptedMs - (newestMs - sample.at.getTime())) / 1000),
    nodeId,
    instanceId: sample.instanceId,
    app: appOf.get(sample.instanceId)!,
    queue: sample.queue ?? null,
    atMs: sample.at.getTime(),
    rxPackets: sample.rxPackets,
    txPackets: sample.txPackets,
    rxBytes: sample.rxBytes,
    txBytes: sample.txBytes,
    drops: sample.drops,
    retransmits: sample.retransmits ?? null,
    connections: sample.connections ?? null,
  }));
}
