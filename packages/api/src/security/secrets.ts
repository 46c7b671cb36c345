// Bearer secrets (sessions, join tokens, node credentials) are 256 random bits, so a fast hash is enough to store
// them: unlike passwords they cannot be guessed from a dictionary.
import { createHash, randomBytes } from "node:crypto";

/** A new secret with a readable prefix saying what it is for (e.g. "sjt_" for a join token). */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export const SECRET_PREFIX = { session: "sss_", joinToken: "sjt_", nodeCredential: "snc_" } as const;
