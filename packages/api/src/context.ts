// Who is calling, resolved once per request from its headers: a signed-in user (session cookie), a node agent
// (bearer credential), or nobody.
//
// CSRF: browsers attach the session cookie to cross-site requests, so every mutation must carry the header
// `x-sluice-request: 1`. A cross-site form cannot set custom headers, and a cross-site fetch that sets one needs
// a CORS preflight this server never grants. Requests that also send an Origin header must name this server's
// own origin. Agents authenticate with a bearer header that browsers never attach on their own, so they are
// exempt. The header is also required for login and join so that no page can log a browser in as someone else.
import type { Database } from "@sluice/db";
import { sessions, users } from "@sluice/db";
import { and, eq, gt } from "drizzle-orm";
import type { NodeCredentialCache } from "./agents/credentials.js";
import { AgentRuntime } from "./agents/runtime.js";
import type { LiveService } from "./live/service.js";
import type { Telemetry } from "./observability/telemetry.js";
import { hashSecret } from "./security/secrets.js";

export type Role = "viewer" | "operator" | "admin";

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
}

export type Actor =
  | { kind: "user"; user: SessionUser; sessionTokenHash: string }
  | { kind: "node"; nodeId: string; nodeName: string }
  | { kind: "anonymous" };

/** Where login and logout put the session cookie; the HTTP layer turns these into Set-Cookie headers. */
export interface SessionCookieJar {
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

export interface ApiSettings {
  sessionTtlMs: number;
  /** A node that has not sent a heartbeat for this long is marked down. */
  heartbeatTimeoutMs: number;
}

export const defaultSettings: ApiSettings = { sessionTtlMs: 12 * 60 * 60 * 1000, heartbeatTimeoutMs: 30_000 };

export interface Context {
  db: Database;
  now: () => Date;
  actor: Actor;
  /** True when the request carries the anti-CSRF header and no foreign Origin. */
  csrfSafe: boolean;
  cookies: SessionCookieJar;
  settings: ApiSettings;
  /** This replica's live throughput store and its replica bus. */
  live: LiveService;
  /** Request metrics and structured logs. */
  telemetry: Telemetry;
  /** This replica's credential cache, heartbeat recorder and instance owners (see agents/runtime.ts). */
  agents: AgentRuntime;
}

export const CSRF_HEADER = "x-sluice-request";
export const SESSION_COOKIE = "sluice_session";

export function readCookie(header: string | null, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/** `credentials` is the replica's cache; without one, a node credential is looked up in the database. */
export async function resolveActor(
  db: Database,
  headers: Headers,
  now: Date,
  credentials: NodeCredentialCache = uncachedCredentials(db),
): Promise<Actor> {
  const bearer = /^Bearer (\S+)$/.exec(headers.get("authorization") ?? "")?.[1];
  if (bearer) {
    const node = await credentials.resolve(db, bearer, now.getTime());
    return node ? { kind: "node", ...node } : { kind: "anonymous" };
  }
  const sessionToken = readCookie(headers.get("cookie"), SESSION_COOKIE);
  if (sessionToken) {
    const tokenHash = hashSecret(sessionToken);
    const [row] = await db
      .select({ id: users.id, username: users.username, role: users.role })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), eq(users.disabled, false)));
    if (row) return { kind: "user", user: row, sessionTokenHash: tokenHash };
  }
  return { kind: "anonymous" };
}

/** The anti-CSRF check described at the top of this file. `requestUrl` is the URL the server was asked for. */
export function isCsrfSafe(headers: Headers, requestUrl: string): boolean {
  if (headers.get(CSRF_HEADER) !== "1") return false;
  const origin = headers.get("origin");
  if (!origin) return true;
  const host = headers.get("x-forwarded-host") ?? headers.get("host") ?? new URL(requestUrl).host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function uncachedCredentials(db: Database): NodeCredentialCache {
  return new AgentRuntime({ db, uncached: true }).credentials;
}

export interface RequestContextOptions {
  db: Database;
  live: LiveService;
  telemetry: Telemetry;
  /** The replica's agent runtime; without one, every agent call asks the database (no caches, no batching). */
  agents?: AgentRuntime;
  /** A fetch Request, or the same two fields from a Node request. */
  request: { headers: Headers; url: string };
  responseHeaders: Pick<Headers, "append">;
  settings?: Partial<ApiSettings>;
  now?: () => Date;
  /** Send cookies with the Secure flag (behind HTTPS). */
  secureCookies?: boolean;
}

export async function createRequestContext(options: RequestContextOptions): Promise<Context> {
  const now = options.now ?? (() => new Date());
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secureCookies ? "; Secure" : ""}`;
  const agents = options.agents ?? new AgentRuntime({ db: options.db, uncached: true });
  return {
    db: options.db,
    live: options.live,
    telemetry: options.telemetry,
    agents,
    now,
    actor: await resolveActor(options.db, options.request.headers, now(), agents.credentials),
    csrfSafe: isCsrfSafe(options.request.headers, options.request.url),
    settings: { ...defaultSettings, ...options.settings },
    cookies: {
      set: (token, expiresAt) =>
        options.responseHeaders.append(
          "set-cookie",
          `${SESSION_COOKIE}=${token}; ${attributes}; Expires=${expiresAt.toUTCString()}`,
        ),
      clear: () => options.responseHeaders.append("set-cookie", `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`),
    },
  };
}
