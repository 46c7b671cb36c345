#!/usr/bin/env node
// The control plane's HTTP server: one port, one process, one router. Agent calls — a request to /api/trpc
// whose procedures are all agent.* (one, or an httpBatchLink batch) — go straight to tRPC's Node adapter with
// the same router and the same per-request context as the Next.js route; everything else (pages, the
// dashboard's API calls and SSE, artifact upload and download) goes to Next.js.
//
// Why: a thousand agents call twice a second, and Next.js's request handling (routing, the App Router's
// request/response wrapping) costs more per call than the agent procedures themselves now do; see "Agent
// calls" in docs/architecture.md for the measurement. SLUICE_AGENT_PATH=next sends agent calls through
// Next.js too (for comparison).
//
// Usage: node apps/web/server.mjs [-H HOST] [-p PORT]      (or import { startWebServer } from it)
import { createServer } from "node:http";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const appDir = dirname(fileURLToPath(import.meta.url));
const TRPC_PREFIX = "/api/trpc/";
const controlPlaneKey = Symbol.for("sluice.controlPlane");

/** The agent procedures a request names, or undefined when it is not (only) an agent call. */
export function agentProcedures(url) {
  if (!url?.startsWith(TRPC_PREFIX)) return undefined;
  const end = url.indexOf("?");
  const path = decodeURIComponent(url.slice(TRPC_PREFIX.length, end < 0 ? undefined : end));
  const procedures = path.split(",");
  return procedures.every((name) => name.startsWith("agent.")) ? path : undefined;
}

function headersOf(request) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/**
 * Starts Next.js (which starts the control plane in its instrumentation hook) and serves on host:port.
 * Resolves once listening; `close()` stops accepting and closes idle connections.
 */
export async function startWebServer({ host = "127.0.0.1", port = 3000, dir = appDir } = {}) {
  process.env.NODE_ENV ??= "production";
  const { default: next } = await import("next");
  const { nodeHTTPRequestHandler } = await import("@trpc/server/adapters/node-http");
  const app = next({ dev: false, dir, hostname: host, port });
  const handleWithNext = app.getRequestHandler();
  await app.prepare();
  const pending = globalThis[controlPlaneKey];
  if (!pending) throw new Error("the control plane did not start in the instrumentation hook");
  const plane = await pending;
  const direct = process.env.SLUICE_AGENT_PATH !== "next";

  const serveAgent = (request, response, path) =>
    nodeHTTPRequestHandler({
      router: plane.api.appRouter,
      req: request,
      res: response,
      path,
      createContext: () =>
        plane.api.createRequestContext({
          db: plane.handle.db,
          live: plane.live,
          telemetry: plane.telemetry,
          agents: plane.agents,
          request: { headers: headersOf(request), url: `http://${request.headers.host ?? host}${request.url}` },
          responseHeaders: { append: (name, value) => response.appendHeader(name, value) },
          settings: plane.settings,
          secureCookies: plane.secureCookies,
        }),
      onError({ error, path: procedure }) {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          plane.telemetry.log.error({ procedure: procedure ?? null, err: error.cause ?? error }, "api request failed");
        }
      },
    });

  const server = createServer((request, response) => {
    const path = direct ? agentProcedures(request.url) : undefined;
    if (path) void serveAgent(request, response, path);
    else void handleWithNext(request, response);
  });
  // Agents keep their connection between once-a-second calls; Node's default (5 s) would do, but a proxy in
  // front usually keeps 60 s, and the server closing first races the client's next request.
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const { port: boundPort } = server.address();
  console.log(`✓ Ready on http://${host}:${boundPort} (agent calls: ${direct ? "direct" : "through Next.js"})`);
  return {
    server,
    port: boundPort,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function flag(args, names, fallback) {
  const index = args.findIndex((arg) => names.includes(arg));
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const host = flag(args, ["-H", "--hostname"], process.env.SLUICE_WEB_HOST ?? "127.0.0.1");
  const port = Number(flag(args, ["-p", "--port"], process.env.PORT ?? "3000"));
  startWebServer({ host, port }).catch((error) => {
    console.error("Sluice: the web server could not start:", error);
    process.exit(1);
  });
}
