// Nodes and the hardware they report: NICs with their queues, and logical CPUs.
import { boolean, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";

export const nodeStateEnum = pgEnum("node_state", ["joining", "ready", "degraded", "down", "draining", "cordoned"]);
export const xdpModeEnum = pgEnum("xdp_mode", ["native", "generic", "none"]);

export const nodes = pgTable("nodes", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  state: nodeStateEnum("state").notNull().default("joining"),
  /** Why the node is degraded, down or draining, for the dashboard. */
  stateReason: text("state_reason"),
  lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }),
  /** The last full inventory, as the agent sent it (validated by @sluice/proto). */
  inventory: jsonb("inventory"),
  /** Operator-set labels (key → value) that app versions select nodes by (placement.nodeSelector). */
  labels: jsonb("labels").$type<Record<string, string>>().notNull().default({}),
  /** Digest of the last heartbeat written in full; replicas compare it to skip unchanged ones (api agents/). */
  heartbeatDigest: text("heartbeat_digest"),
  joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
});

export const nodeCredentials = pgTable("node_credentials", {
  id: uuid("id").primaryKey().defaultRandom(),
  nodeId: uuid("node_id")
    .notNull()
    .references(() => nodes.id, { onDelete: "cascade" }),
  secretHash: text("secret_hash").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

export const nics = pgTable(
  "nics",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    nodeId: uuid("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    driver: text("driver").notNull(),
    mac: text("mac").notNull(),
    speedMbps: integer("speed_mbps"),
    xdp: xdpModeEnum("xdp").notNull(),
    numaNode: integer("numa_node"),
  },
  (table) => [unique("nics_node_name_unique").on(table.nodeId, table.name)],
);

export const nicQueues = pgTable(
  "nic_queues",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    nicId: integer("nic_id")
      .notNull()
      .references(() => nics.id, { onDelete: "cascade" }),
    queueIndex: integer("queue_index").notNull(),
  },
  (table) => [unique("nic_queues_nic_index_unique").on(table.nicId, table.queueIndex)],
);

export const cpus = pgTable(
  "cpus",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    nodeId: uuid("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    cpu: integer("cpu").notNull(),
    numaNode: integer("numa_node").notNull(),
    smtSiblings: jsonb("smt_siblings").$type<number[]>().notNull(),
    isolated: boolean("isolated").notNull(),
  },
  (table) => [unique("cpus_node_cpu_unique").on(table.nodeId, table.cpu)],
);
