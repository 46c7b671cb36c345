// A server started with a configured admin password, and a tRPC client signed in as that admin (apart from
// server.ts, which the benchmarks import without the API's types).
import { type RunningServer, type StartOptions, startServer } from "./server";
import { apiClient } from "./trpc";
/** A server started with a configured admin password, and a tRPC client signed in as that admin. */
export async function startServerWithAdmin(
  password: string,
  options: StartOptions = {},
): Promise<{ server: RunningServer; admin: ReturnType<typeof apiClient> }> {
  const server = await startServer({ ...options, env: { ...options.env, SLUICE_ADMIN_PASSWORD: password } });
  const admin = apiClient(server.base);
  await admin.auth.login.mutate({ username: "admin", password });
  return { server, admin };
}
