// Join tokens let a new node join once. The plaintext is shown once, at creation; only its hash is stored.
import { joinTokens, users } from "@sluice/db";
import { TRPCError } from "@trpc/server";
import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit.js";
import { hashSecret, newSecret, SECRET_PREFIX } from "../security/secrets.js";
import { operatorProcedure, router } from "../trpc.js";
import { byId } from "./inputs.js";

export type JoinTokenStatus = "active" | "used" | "expired" | "revoked";

export function joinTokenStatus(
  token: { usedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
  now: Date,
): JoinTokenStatus {
  if (token.revokedAt) return "revoked";
  if (token.usedAt) return "used";
  return token.expiresAt <= now ? "expired" : "active";
}

export const tokensRouter = router({
  create: operatorProcedure
    .input(
      z.object({
        description: z.string().trim().max(200, "at most 200 characters").default(""),
        ttlMinutes: z
          .number()
          .int("whole minutes")
          .min(1, "at least 1 minute")
          .max(7 * 24 * 60, "at most 7 days"),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const token = newSecret(SECRET_PREFIX.joinToken);
        const now = ctx.now();
        const [row] = await tx
          .insert(joinTokens)
          .values({
            tokenHash: hashSecret(token),
            description: input.description,
            createdBy: ctx.user.id,
            createdAt: now,
            expiresAt: new Date(now.getTime() + input.ttlMinutes * 60_000),
          })
          .returning({ id: joinTokens.id, expiresAt: joinTokens.expiresAt, description: joinTokens.description });
        await recordAudit(tx, ctx.actor, now, {
          action: "token.create",
          targetKind: "join_token",
          targetId: row!.id,
          after: { description: row!.description, expiresAt: row!.expiresAt },
        });
        return { ...row!, token };
      }),
    ),

  list: operatorProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db
      .select({
        id: joinTokens.id,
        description: joinTokens.description,
        createdBy: users.username,
        createdAt: joinTokens.createdAt,
        expiresAt: joinTokens.expiresAt,
        usedAt: joinTokens.usedAt,
        usedByNodeId: joinTokens.usedByNodeId,
        revokedAt: joinTokens.revokedAt,
      })
      .from(joinTokens)
      .leftJoin(users, eq(users.id, joinTokens.createdBy))
      .orderBy(desc(joinTokens.createdAt));
    const now = ctx.now();
    return rows.map((row) => ({ ...row, status: joinTokenStatus(row, now) }));
  }),

  revoke: operatorProcedure.input(byId).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      const [before] = await tx.select().from(joinTokens).where(eq(joinTokens.id, input.id)).for("update");
      if (!before) throw new TRPCError({ code: "NOT_FOUND", message: "no such join token" });
      if (before.revokedAt) return { id: before.id, revokedAt: before.revokedAt };
      const now = ctx.now();
      await tx.update(joinTokens).set({ revokedAt: now }).where(eq(joinTokens.id, input.id));
      await recordAudit(tx, ctx.actor, now, {
        action: "token.revoke",
        targetKind: "join_token",
        targetId: input.id,
        before: { status: joinTokenStatus(before, now) },
        after: { status: "revoked" },
      });
      return { id: before.id, revokedAt: now };
    }),
  ),
});
