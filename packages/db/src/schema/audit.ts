// Every mutation leaves one row: who did what to which thing, and the thing before and after.
import { bigint, index, jsonb, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const actorKindEnum = pgEnum("actor_kind", ["user", "node", "system", "anonymous"]);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    actorKind: actorKindEnum("actor_kind").notNull(),
    /** User id or node id; null for the system. Kept as text so deleting the actor keeps its history. */
    actorId: text("actor_id"),
    /** Username or node name at the time, so the log reads well after renames. */
    actorName: text("actor_name").notNull(),
    action: text("action").notNull(),
    targetKind: text("target_kind").notNull(),
    targetId: text("target_id"),
    before: jsonb("before"),
    after: jsonb("after"),
  },
  (table) => [
    index("audit_log_at_idx").on(table.at),
    index("audit_log_target_idx").on(table.targetKind, table.targetId),
  ],
);
