import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getControlPlane } from "../../../../src/server/control-plane";

export const dynamic = "force-dynamic";

async function handler(request: Request): Promise<Response> {
  const plane = await getControlPlane();
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: plane.api.appRouter,
    createContext: ({ req, resHeaders }) =>
      plane.api.createRequestContext({
        db: plane.handle.db,
        live: plane.live,
        telemetry: plane.telemetry,
        agents: plane.agents,
        request: req,
        responseHeaders: resHeaders,
        settings: plane.settings,
        secureCookies: plane.secureCookies,
      }),
    // Calls that reached a procedure are logged by its middleware; this catches the rest (bad paths, bodies).
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        plane.telemetry.log.error({ procedure: path ?? null, err: error.cause ?? error }, "api request failed");
      }
    },
  });
}

export { handler as GET, handler as POST };
