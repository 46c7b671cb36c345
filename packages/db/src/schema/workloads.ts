// Apps, their versions, the instances placed on nodes, and which cores and queues each instance owns.
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./auth.js";
import { cpus, nicQueues, nics, nodes } from "./fleet.js";

export const apps = pgTable("apps", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  name: text("name").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const appVersions = pgTable(
  "app_versions",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    appId: integer("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    /**
     * What the version runs: a built-in, an uploaded bundle, or a program. Null only for versions that
     * allocation.allocate made up on the fly for an ad-hoc instance; those run the built-in named like the app.
     */
    artifact: jsonb("artifact").$type<StoredArtifact>(),
    implementation: text("implementation", { enum: ["native", "ts"] })
      .notNull()
      .default("native"),
    backend: text("backend", { enum: ["xdp", "dpdk", "tap", "kernel"] })
      .notNull()
      .default("xdp"),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    /** Where a rollout puts instances: `instancesPerNode` on each named node, or on every ready node if none. */
    placement: jsonb("placement").$type<Placement>().notNull().default({ instancesPerNode: 1, nodeNames: [] }),
    coresPerInstance: integer("cores_per_instance").notNull().default(1),
    queuesPerInstance: integer("queues_per_instance").notNull().default(1),
    allowSmtSharing: boolean("allow_smt_sharing").notNull().default(false),
    /** The rollout health gate: the largest share of packets (dropped ÷ (received + dropped)) a new instance may drop. */
    maxErrorRate: doublePrecision("max_error_rate").notNull().default(0.01),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [unique("app_versions_app_version_unique").on(table.appId, table.version)],
);

/** The shape of @sluice/proto's ArtifactRef (validated there; the db package does not depend on proto). */
export type StoredArtifact =
  | { kind: "builtin"; name: string }
  | { kind: "bundle"; sha256: string; size: number; format: "node" | "native" }
  | { kind: "program"; command: string[] };

export interface Placement {
  instancesPerNode: number;
  /** Node names; empty means every node that can take instances (ready or degraded). */
  nodeNames: string[];
  /** Labels a node must carry, all of them (absent or empty: no constraint). */
  nodeSelector?: Record<string, string>;
}

export const instances = pgTable(
  "instances",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    nodeId: uuid("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    appVersionId: integer("app_version_id")
      .notNull()
      .references(() => appVersions.id),
    nicId: integer("nic_id").references(() => nics.id, { onDelete: "set null" }),
    config: jsonb("config").$type<Record<string, unknown>>().notNull(),
    /** Whether this instance accepts another app on the SMT siblings of its cores. */
    allowSmtSharing: boolean("allow_smt_sharing").notNull().default(false),
    /** What the agent last reported: starting, running, stopped, failed. */
    reportedState: text("reported_state"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("instances_node_idx").on(table.nodeId)],
);

/**
 * One row per owned core or owned queue. The UNIQUE constraints are the allocation invariant: whatever the
 * application layer decides, two instances can never own the same core or the same queue, even when two
 * control-plane replicas allocate at the same moment.
 */
export const allocations = pgTable(
  "allocations",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    instanceId: uuid("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    nodeId: uuid("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    cpuId: integer("cpu_id").references(() => cpus.id, { onDelete: "no action" }),
    queueId: integer("queue_id").references(() => nicQueues.id, { onDelete: "no action" }),
  },
  (table) => [
    unique("allocations_cpu_unique").on(table.cpuId),
    unique("allocations_queue_unique").on(table.queueId),
    check("allocations_one_resource", sql`num_nonnulls(${table.cpuId}, ${table.queueId}) = 1`),
    index("allocations_instance_idx").on(table.instanceId),
  ],
);
