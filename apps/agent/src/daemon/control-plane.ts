// The agent's side of the control plane's tRPC API (packages/api routers/agent.ts), typed against
// its AppRouter. Every request has a deadline, so a hung server is treated like an unreachable one.
import type { AppRouter } from "@sluice/api";
import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import superjson from "superjson";

export type ControlPlaneClient = TRPCClient<AppRouter>;

export interface ClientOptions {
  /** Base URL of the control plane, e.g. http://cp.example:3000 (the API is under /api/trpc). */
  url: string;
  /** Node credential (snc_...); absent only for join. */
  credential?: string;
  timeoutMs?: number;
}

export function createControlPlaneClient(options: ClientOptions): ControlPlaneClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/+$/, "")}/api/trpc`,
        transformer: superjson,
        // Join is a mutation without a credential: it must carry the anti-CSRF header like any client.
        headers: () => ({
          "x-sluice-request": "1",
          ...(options.credential ? { authorization: `Bearer ${options.credential}` } : {}),
        }),
        fetch: (url, init) => fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) }),
      }),
    ],
  });
}

/** Why a call failed: the server answered with a refusal, or it could not be reached at all. */
export type CallFailure = { kind: "refused"; code: string; message: string } | { kind: "unreachable"; message: string };

export function classifyFailure(error: unknown): CallFailure {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string; httpStatus?: number } | undefined;
    if (data?.code) return { kind: "refused", code: data.code, message: error.message };
    return { kind: "unreachable", message: describeNetworkError(error) };
  }
  return { kind: "unreachable", message: describeNetworkError(error) };
}

function describeNetworkError(error: unknown): string {
  // fetch() hides the reason (ECONNREFUSED, ENOTFOUND, a timeout) in the cause chain.
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const e = current as { message?: string; code?: string; cause?: unknown };
    const text = [e.code, e.message].filter(Boolean).join(": ");
    if (text && !parts.some((part) => part.includes(text))) parts.push(text);
    current = e.cause;
  }
  return parts.join(" <- ") || String(error);
}
