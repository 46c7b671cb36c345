// The periodic work a control plane does on its own: nodes that went quiet are marked down, and expired sessions
// are deleted (they are already refused; this only keeps the table small).
import { type Database, sessions } from "@sluice/db";
import { lte } from "drizzle-orm";
import type { AgentRuntime } from "../agents/runtime.js";
import type { ApiSettings } from "../context.js";
import { markStaleNodesDown } from "./heartbeat.js";

export interface MaintenanceReport {
  nodesMarkedDown: string[];
  sessionsDeleted: number;
}

export async function runMaintenance(
  db: Database,
  now: Date,
  settings: ApiSettings,
  agents?: AgentRuntime,
): Promise<MaintenanceReport> {
  const nodesMarkedDown = await markStaleNodesDown(db, now, settings.heartbeatTimeoutMs, agents);
  const deleted = await db.delete(sessions).where(lte(sessions.expiresAt, now)).returning({ at: sessions.expiresAt });
  return { nodesMarkedDown, sessionsDeleted: deleted.length };
}
