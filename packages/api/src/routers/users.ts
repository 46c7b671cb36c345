import { type Executor, isUniqueViolation, sessions, users } from "@sluice/db";
import { TRPCError } from "@trpc/server";
import { and, asc, eq, ne } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit.js";
import { hashPassword } from "../security/passwords.js";
import { adminProcedure, router } from "../trpc.js";
import { newPassword, role, username } from "./inputs.js";

const publicColumns = {
  id: users.id,
  username: users.username,
  role: users.role,
  disabled: users.disabled,
  createdAt: users.createdAt,
};

/** Refuses a change that would leave nobody able to administer the control plane. */
async function keepAnActiveAdmin(tx: Executor, changedUserId: string) {
  const others = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.disabled, false), ne(users.id, changedUserId)))
    .limit(1);
  if (others.length === 0) {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "this would leave no active admin" });
  }
}

async function loadUser(tx: Executor, id: string) {
  const [user] = await tx.select(publicColumns).from(users).where(eq(users.id, id)).for("update");
  if (!user) throw new TRPCError({ code: "NOT_FOUND", message: "no such user" });
  return user;
}

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.db.select(publicColumns).from(users).orderBy(asc(users.username))),

  create: adminProcedure.input(z.object({ username, password: newPassword, role })).mutation(async ({ ctx, input }) => {
    const passwordHash = await hashPassword(input.password);
    try {
      return await ctx.db.transaction(async (tx) => {
        const [user] = await tx
          .insert(users)
          .values({ username: input.username, passwordHash, role: input.role })
          .returning(publicColumns);
        await recordAudit(tx, ctx.actor, ctx.now(), {
          action: "user.create",
          targetKind: "user",
          targetId: user!.id,
          after: { username: user!.username, role: user!.role },
        });
        return user!;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new TRPCError({ code: "CONFLICT", message: `user ${input.username} already exists` });
      }
      throw error;
    }
  }),

  setRole: adminProcedure.input(z.object({ id: z.uuid(), role })).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      const before = await loadUser(tx, input.id);
      if (before.role === "admin" && input.role !== "admin") await keepAnActiveAdmin(tx, input.id);
      const [after] = await tx
        .update(users)
        .set({ role: input.role })
        .where(eq(users.id, input.id))
        .returning(publicColumns);
      await recordAudit(tx, ctx.actor, ctx.now(), {
        action: "user.setRole",
        targetKind: "user",
        targetId: input.id,
        before: { role: before.role },
        after: { role: after!.role },
      });
      return after!;
    }),
  ),

  setDisabled: adminProcedure.input(z.object({ id: z.uuid(), disabled: z.boolean() })).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      const before = await loadUser(tx, input.id);
      if (input.disabled && before.role === "admin") await keepAnActiveAdmin(tx, input.id);
      const [after] = await tx
        .update(users)
        .set({ disabled: input.disabled })
        .where(eq(users.id, input.id))
        .returning(publicColumns);
      // A disabled user is signed out everywhere at once.
      if (input.disabled) await tx.delete(sessions).where(eq(sessions.userId, input.id));
      await recordAudit(tx, ctx.actor, ctx.now(), {
        action: input.disabled ? "user.disable" : "user.enable",
        targetKind: "user",
        targetId: input.id,
        before: { disabled: before.disabled },
        after: { disabled: after!.disabled },
      });
      return after!;
    }),
  ),
});
