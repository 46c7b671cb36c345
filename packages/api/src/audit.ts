// The one way mutations write the audit log, inside the same transaction as the change itself.
import { auditLog, type Executor } from "@sluice/db";
import type { Actor } from "./context.js";

export interface AuditEntry {
  action: string;
  targetKind: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

export type AuditActor = Actor | { kind: "system" };

function actorColumns(actor: AuditActor) {
  switch (actor.kind) {
    case "user":
      return { actorKind: "user" as const, actorId: actor.user.id, actorName: actor.user.username };
    case "node":
      return { actorKind: "node" as const, actorId: actor.nodeId, actorName: actor.nodeName };
    case "system":
      return { actorKind: "system" as const, actorId: null, actorName: "system" };
    case "anonymous":
      return { actorKind: "anonymous" as const, actorId: null, actorName: "anonymous" };
  }
}

export async function recordAudit(db: Executor, actor: AuditActor, at: Date, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    ...actorColumns(actor),
    at,
    action: entry.action,
    targetKind: entry.targetKind,
    targetId: entry.targetId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
