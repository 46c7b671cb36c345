// The first start of a control plane has no users. It creates `admin`, with SLUICE_ADMIN_PASSWORD when set or a
// generated password that is returned exactly once, to whoever starts the server, to print. Later starts do nothing.
import { randomBytes } from "node:crypto";
import { type Database, users } from "@sluice/db";
import { sql } from "drizzle-orm";
import { recordAudit } from "../audit.js";
import { hashPassword } from "../security/passwords.js";

export type BootstrapResult =
  | { created: false }
  | { created: true; username: string; password: string; generated: boolean };

export async function bootstrapAdmin(db: Database, now: Date, password?: string): Promise<BootstrapResult> {
  const chosen = password?.trim() ? password : randomBytes(12).toString("base64url");
  const passwordHash = await hashPassword(chosen);
  return db.transaction(async (tx) => {
    // Two replicas starting at once: the advisory lock makes one of them see the other's admin.
    await tx.execute(sql`select pg_advisory_xact_lock(7465737)`);
    const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
    if (existing) return { created: false } as const;
    const [admin] = await tx
      .insert(users)
      .values({ username: "admin", passwordHash, role: "admin" })
      .returning({ id: users.id, username: users.username });
    await recordAudit(tx, { kind: "system" }, now, {
      action: "user.bootstrap",
      targetKind: "user",
      targetId: admin!.id,
      after: { username: admin!.username, role: "admin" },
    });
    return { created: true, username: admin!.username, password: chosen, generated: chosen !== password };
  });
}
