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
        request: req,
        responseHeaders: resHeaders,
        settings: plane.settings,
        secureCookies: plane.secureCookies,
      }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
