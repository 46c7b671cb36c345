import { sessions, users } from "@sluice/db";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit.js";
import { decoyPasswordHash, verifyPassword } from "../security/passwords.js";
import { hashSecret, newSecret, SECRET_PREFIX } from "../security/secrets.js";
import { publicProcedure, router, viewerProcedure } from "../trpc.js";

export const authRouter = router({
  /** The signed-in user, or null. */
  me: publicProcedure.query(({ ctx }) => (ctx.actor.kind === "user" ? ctx.actor.user : null)),

  login: publicProcedure
    .input(z.object({ username: z.string().trim().min(1, "required"), password: z.string().min(1, "required") }))
    .mutation(async ({ ctx, input }) => {
      const [user] = await ctx.db.select().from(users).where(eq(users.username, input.username));
      // Same work and same answer for unknown, disabled and wrong-password logins: no username probing.
      const matches = await verifyPassword(input.password, user?.passwordHash ?? (await decoyPasswordHash()));
      if (!user || !matches || user.disabled) {
        throw new TRPCError({ code: "UNAUTHORIZED", message: "wrong username or password" });
      }
      const token = newSecret(SECRET_PREFIX.session);
      const now = ctx.now();
      const expiresAt = new Date(now.getTime() + ctx.settings.sessionTtlMs);
      await ctx.db.transaction(async (tx) => {
        await tx.insert(sessions).values({ tokenHash: hashSecret(token), userId: user.id, createdAt: now, expiresAt });
        const actor = { kind: "user" as const, user, sessionTokenHash: hashSecret(token) };
        await recordAudit(tx, actor, now, { action: "auth.login", targetKind: "user", targetId: user.id });
      });
      ctx.cookies.set(token, expiresAt);
      return { id: user.id, username: user.username, role: user.role };
    }),

  logout: viewerProcedure.mutation(async ({ ctx }) => {
    await ctx.db.transaction(async (tx) => {
      await tx.delete(sessions).where(eq(sessions.tokenHash, ctx.sessionTokenHash));
      await recordAudit(tx, ctx.actor, ctx.now(), { action: "auth.logout", targetKind: "user", targetId: ctx.user.id });
    });
    ctx.cookies.clear();
    return { ok: true };
  }),
});
