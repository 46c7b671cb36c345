// Starts the built app with `next start` and talks to it over HTTP.
import type { AppRouter } from "@sluice/api";
import { exampleInventory } from "@sluice/proto";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, removeStateDir, startServer } from "./support/server";
import { apiClient } from "./support/trpc";

let server: RunningServer;
let base: string;

beforeAll(async () => {
  server = await startServer();
  base = server.base;
});

afterAll(async () => {
  await server?.stop();
  if (server) removeStateDir(server.stateDir);
});

async function failure(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a tRPC error, got ${String(error)}`);
  return error as TRPCClientError<AppRouter>;
}

function generatedPassword(output: string): string {
  const match = /password: (\S+)/.exec(output);
  if (!match) throw new Error(`no generated admin password in:\n${output}`);
  return match[1]!;
}

describe("control plane server", () => {
  it("answers the health check", async () => {
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.status).toBe("ok");
    expect(Date.parse(body.startedAt)).not.toBeNaN();
  });

  it("serves the landing page", async () => {
    const response = await fetch(base);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Sluice control plane");
  });

  it("answers 404 for unknown routes", async () => {
    expect((await fetch(`${base}/no-such-page`)).status).toBe(404);
  });

  it("sends signed-out visitors of the dashboard to the login page", async () => {
    const response = await fetch(`${base}/nodes`, { redirect: "manual" });
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get("location")!, base).pathname).toBe("/login");
  });

  it("prints a generated admin password that signs in, with an httpOnly session cookie", async () => {
    const admin = apiClient(base);
    await admin.auth.login.mutate({ username: "admin", password: generatedPassword(server.output()) });
    expect(await admin.auth.me.query()).toMatchObject({ username: "admin", role: "admin" });
    const response = await fetch(`${base}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-sluice-request": "1" },
      body: JSON.stringify({ json: { username: "admin", password: generatedPassword(server.output()) } }),
    });
    expect(response.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it("refuses a mutation without the anti-CSRF header", async () => {
    const response = await fetch(`${base}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username: "admin", password: "whatever" } }),
    });
    expect(response.status).toBe(403);
  });

  it("returns zod field errors over HTTP", async () => {
    const admin = apiClient(base);
    await admin.auth.login.mutate({ username: "admin", password: generatedPassword(server.output()) });
    const error = await failure(admin.users.create.mutate({ username: "x", password: "short", role: "viewer" }));
    expect(error.data?.validation?.fieldErrors).toEqual({
      username: ["at least 2 characters"],
      password: ["at least 12 characters"],
    });
  });

  it("lets an agent join, report its inventory and read its desired state", async () => {
    const admin = apiClient(base);
    await admin.auth.login.mutate({ username: "admin", password: generatedPassword(server.output()) });
    const { token } = await admin.tokens.create.mutate({ ttlMinutes: 5 });
    const { nodeId, credential } = await apiClient(base).agent.join.mutate({ token, hostname: "http-node" });
    const agent = apiClient(base, { bearer: credential, csrf: false });
    await agent.agent.heartbeat.mutate({ inventory: exampleInventory({ hostname: "http-node" }) });
    const placed = await admin.allocation.allocate.mutate({ nodeId, app: "echo", version: "1", cores: 1, queues: 1 });
    expect(await agent.agent.desiredState.query()).toMatchObject({
      nodeId,
      instances: [{ id: placed.instanceId, cores: [0], queues: [0], nic: "eth0" }],
    });
    const refused = await failure(
      admin.allocation.allocate.mutate({ nodeId, app: "echo", version: "1", cores: 9, queues: 0 }),
    );
    expect(refused.data?.allocationRefusals).toEqual([
      { nodeId, nodeName: "http-node", constraint: "cores", message: "9 cores requested, 3 usable of 4 (1 owned)" },
    ]);
  });
});

describe("restarts", () => {
  it("keeps data in the state directory and prints the admin password only on the first start", async () => {
    const password = generatedPassword(server.output());
    await server.stop();
    server = await startServer({ stateDir: server.stateDir });
    expect(server.output()).not.toContain("password:");
    const admin = apiClient(server.base);
    await admin.auth.login.mutate({ username: "admin", password });
    expect((await admin.nodes.list.query()).map((node) => node.name)).toEqual(["http-node"]);
  });

  it("uses SLUICE_ADMIN_PASSWORD for the first admin and marks silent nodes down by itself", async () => {
    const other = await startServer({
      env: { SLUICE_ADMIN_PASSWORD: "a configured admin password", SLUICE_HEARTBEAT_TIMEOUT_MS: "1000" },
    });
    try {
      await other.waitFor("SLUICE_ADMIN_PASSWORD");
      expect(other.output()).not.toContain("a configured admin password");
      const admin = apiClient(other.base);
      await admin.auth.login.mutate({ username: "admin", password: "a configured admin password" });
      expect(await admin.auth.me.query()).toMatchObject({ role: "admin" });

      const { token } = await admin.tokens.create.mutate({ ttlMinutes: 5 });
      const { nodeId } = await apiClient(other.base).agent.join.mutate({ token, hostname: "quiet-node" });
      const deadline = Date.now() + 10_000;
      let state = "";
      while (state !== "down" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        state = (await admin.nodes.get.query({ id: nodeId })).state;
      }
      expect(state).toBe("down");
    } finally {
      await other.stop();
      removeStateDir(other.stateDir);
    }
  });
});
