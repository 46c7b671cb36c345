import { auditLog } from "@sluice/db";
import { and, desc, eq, gte, ilike, lt, lte, type SQL } from "drizzle-orm";
import { z } from "zod";
import { router, viewerProcedure } from "../trpc.js";

export const auditRouter = router({
  /** Newest first; pass the last row's id as `before` to page back. */
  list: viewerProcedure
    .input(
      z
        .object({
          actor: z.string().trim().max(100).optional(),
          action: z.string().trim().max(100).optional(),
          targetKind: z.string().trim().max(50).optional(),
          targetId: z.string().trim().max(100).optional(),
          since: z.coerce.date().optional(),
          until: z.coerce.date().optional(),
          before: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(500).default(100),
        })
        .default({ limit: 100 }),
    )
    .query(({ ctx, input }) => {
      const filters: SQL[] = [];
      if (input.actor) filters.push(eq(auditLog.actorName, input.actor));
      // "node." finds every node action; a full name finds just that one.
      if (input.action) filters.push(ilike(auditLog.action, `${input.action.replace(/[\\%_]/g, "\\$&")}%`));
      if (input.targetKind) filters.push(eq(auditLog.targetKind, input.targetKind));
      if (input.targetId) filters.push(eq(auditLog.targetId, input.targetId));
      if (input.since) filters.push(gte(auditLog.at, input.since));
      if (input.until) filters.push(lte(auditLog.at, input.until));
      if (input.before) filters.push(lt(auditLog.id, input.before));
      return ctx.db
        .select()
        .from(auditLog)
        .where(and(...filters))
        .orderBy(desc(auditLog.id))
        .limit(input.limit);
    }),
});
