// Artifact upload and agent download over HTTP against the built server, with a 1 KiB limit.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerWithAdmin } from "./support/admin";
import { type RunningServer, stopServer } from "./support/server";
import { type SimulatedAgent, startSimulatedAgent } from "./support/simulated-agent";
import type { apiClient } from "./support/trpc";

const ADMIN_PASSWORD = "artifact test admin password";
let server: RunningServer;
let admin: ReturnType<typeof apiClient>;
let adminCookie: string;
let agents: SimulatedAgent[] = [];

beforeAll(async () => {
  ({ server, admin } = await startServerWithAdmin(ADMIN_PASSWORD, { env: { SLUICE_ARTIFACT_MAX_BYTES: "1024" } }));
  await admin.users.create.mutate({ username: "vera", password: "artifact test viewer", role: "viewer" });
  adminCookie = await sessionCookie("admin", ADMIN_PASSWORD);
});

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await stopServer(server);
});

/** A session cookie from a plain login request (the tRPC client proxy cannot carry extra methods). */
async function sessionCookie(username: string, password: string): Promise<string> {
  const response = await fetch(`${server.base}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-sluice-request": "1" },
    body: JSON.stringify({ json: { username, password } }),
  });
  const cookie = response.headers.get("set-cookie");
  if (!response.ok || !cookie) throw new Error(`login as ${username} failed: ${response.status}`);
  return cookie.split(";")[0]!;
}

function upload(body: BodyInit, headers: Record<string, string>, format = "node") {
  return fetch(`${server.base}/api/artifacts?format=${format}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream", ...headers },
    body,
  });
}

const bundle = "a tarball, in spirit";
const digest = createHash("sha256").update(bundle).digest("hex");

describe("artifacts over HTTP", () => {
  it("refuses uploads without a session, without the CSRF header, from a viewer, over the limit", async () => {
    expect((await upload(bundle, { "x-sluice-request": "1" })).status).toBe(401);
    expect((await upload(bundle, { cookie: adminCookie })).status).toBe(403);
    const viewerCookie = await sessionCookie("vera", "artifact test viewer");
    const asViewer = await upload(bundle, { cookie: viewerCookie, "x-sluice-request": "1" });
    expect([asViewer.status, await asViewer.json()]).toEqual([403, { error: "this needs the operator role" }]);
    const big = await upload("x".repeat(1025), { cookie: adminCookie, "x-sluice-request": "1" });
    expect([big.status, await big.json()]).toEqual([
      413,
      { error: "the bundle is larger than the limit of 1024 bytes" },
    ]);
    const badFormat = await upload(bundle, { cookie: adminCookie, "x-sluice-request": "1" }, "zip");
    expect(badFormat.status).toBe(400);
    expect(await admin.apps.artifacts.query()).toEqual([]);
  });

  it("stores a bundle under the digest it computes, and serves it only to a node that runs it", async () => {
    const response = await upload(bundle, { cookie: adminCookie, "x-sluice-request": "1" });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ sha256: digest, size: bundle.length, format: "node", created: true });
    expect(readFileSync(join(server.stateDir, "artifacts", digest), "utf8")).toBe(bundle);

    const tokens = await Promise.all(["a", "b"].map(() => admin.tokens.create.mutate({ ttlMinutes: 5 })));
    const running = () => "running" as const;
    const mine = await startSimulatedAgent(server.base, tokens[0]!.token, "bundle-node", running);
    const other = await startSimulatedAgent(server.base, tokens[1]!.token, "other-node", running);
    agents = [mine, other];
    const download = (agent: SimulatedAgent | null, sha256 = digest) =>
      fetch(`${server.base}/api/agent/artifacts/${sha256}`, {
        headers: agent ? { authorization: `Bearer ${agent.credential}` } : {},
      });
    expect((await download(mine)).status).toBe(404); // Not in its desired state yet.

    const app = await admin.apps.create.mutate({ name: "shop" });
    const version = await admin.apps.createVersion.mutate({
      appId: app.id,
      version: "1",
      artifact: { kind: "bundle", sha256: digest },
      placement: { instancesPerNode: 1, nodeNames: ["bundle-node"] },
      coresPerInstance: 1,
      queuesPerInstance: 0,
    });
    const { id } = await admin.rollouts.start.mutate({ versionId: version.id });
    for (let waited = 0; (await admin.rollouts.get.query({ id })).phase !== "succeeded"; waited += 200) {
      if (waited > 30_000) throw new Error("rollout did not succeed");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const ok = await download(mine);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("etag")).toBe(`"${digest}"`);
    expect(ok.headers.get("content-length")).toBe(String(bundle.length));
    expect(await ok.text()).toBe(bundle);
    expect((await download(other)).status).toBe(404);
    expect((await download(null)).status).toBe(401);
    expect((await download(mine, "0".repeat(64))).status).toBe(404);
    expect(existsSync(join(server.stateDir, "artifacts", digest))).toBe(true);
  });
});
