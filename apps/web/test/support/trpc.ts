// A tRPC client for tests that talk to the running server over HTTP, keeping its own session cookie.
import type { AppRouter } from "@sluice/api";
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";

export function apiClient(base: string, options: { bearer?: string; csrf?: boolean } = {}) {
  let cookie = "";
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${base}/api/trpc`,
        transformer: superjson,
        headers: () => ({
          ...(options.csrf === false ? {} : { "x-sluice-request": "1" }),
          ...(cookie ? { cookie } : {}),
          ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
        }),
        fetch: async (url, init) => {
          const response = await fetch(url, init as RequestInit);
          const setCookie = response.headers.get("set-cookie");
          if (setCookie) cookie = setCookie.split(";")[0]!;
          return response;
        },
      }),
    ],
  });
  return Object.assign(client, { cookie: () => cookie });
}
