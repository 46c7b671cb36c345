// Uploaded artifacts, and rollouts that move an app's instances from one version to another, step by step.
import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth.js";
import { apps, appVersions } from "./workloads.js";

/** One row per uploaded bundle; the bytes live content-addressed under the state dir (artifacts/<sha256>). */
export const artifacts = pgTable("artifacts", {
  sha256: text("sha256").primaryKey(),
  size: bigint("size", { mode: "number" }).notNull(),
  format: text("format", { enum: ["node", "native"] }).notNull(),
  uploadedBy: uuid("uploaded_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const rolloutPhases = [
  "running",
  "paused",
  "awaiting-promotion",
  "aborting",
  "succeeded",
  "rolled-back",
  "aborted",
] as const;
export type RolloutPhase = (typeof rolloutPhases)[number];
/** Phases in which a rollout still holds its app: at most one such rollout per app. */
export const activeRolloutPhases = ["running", "paused", "awaiting-promotion", "aborting"] as const;

export const rollouts = pgTable(
  "rollouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    appId: integer("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    fromVersionId: integer("from_version_id").references(() => appVersions.id),
    toVersionId: integer("to_version_id")
      .notNull()
      .references(() => appVersions.id),
    phase: text("phase", { enum: rolloutPhases }).notNull(),
    /** Rollout settings (maxUnavailable, canary, health timeout, traffic gate); see packages/api/src/rollouts. */
    spec: jsonb("spec").$type<Record<string, unknown>>().notNull(),
    /** The state machine's state: one slot per instance to replace. */
    state: jsonb("state").$type<Record<string, unknown>>().notNull(),
    reason: text("reason"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // Two rollouts moving the same app at once would fight over its instances; the database refuses it.
    uniqueIndex("rollouts_one_active_per_app")
      .on(table.appId)
      .where(sql`${table.phase} in ('running', 'paused', 'awaiting-promotion', 'aborting')`),
  ],
);

export const rolloutSteps = pgTable(
  "rollout_steps",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    rolloutId: uuid("rollout_id")
      .notNull()
      .references(() => rollouts.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull(),
    kind: text("kind").notNull(),
    message: text("message").notNull(),
    detail: jsonb("detail"),
  },
  (table) => [index("rollout_steps_rollout_idx").on(table.rolloutId, table.id)],
);
