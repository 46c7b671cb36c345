// In Debian's Chromium: an operator creates kv v1, rolls it out to a node served by a simulated agent and sees it
// finish live (after uploading a bundle through the form); v2's instances fail and the UI shows the automatic rollback with v1 still placed; a viewer sees no
// mutating controls and a direct mutation is refused.
import { createHash } from "node:crypto";
import type { AppRouter } from "@sluice/api";
import { TRPCClientError } from "@trpc/client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerWithAdmin } from "./support/admin";
import { launchBrowser, type OpenBrowser, signIn } from "./support/browser";
import { type RunningServer, stopServer } from "./support/server";
import { type SimulatedAgent, startSimulatedAgent } from "./support/simulated-agent";
import { apiClient } from "./support/trpc";

const ADMIN_PASSWORD = "apps browser admin password";
const OPERATOR_PASSWORD = "apps browser operator password";
const VIEWER_PASSWORD = "apps browser viewer password";

let server: RunningServer;
let agent: SimulatedAgent;
let browser: OpenBrowser;
let page: Page;
let appPath = "";

beforeAll(async () => {
  const started = await startServerWithAdmin(ADMIN_PASSWORD);
  server = started.server;
  const { admin } = started;
  await admin.users.create.mutate({ username: "olga", password: OPERATOR_PASSWORD, role: "operator" });
  await admin.users.create.mutate({ username: "vera", password: VIEWER_PASSWORD, role: "viewer" });
  const { token } = await admin.tokens.create.mutate({ ttlMinutes: 5, description: "kv-node" });
  // v1 comes up; v2 (the bad config) fails on start, as a real agent would report it.
  agent = await startSimulatedAgent(server.base, token, "kv-node", (instance) =>
    instance.version === "v2" ? "failed" : "running",
  );

  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await agent?.stop();
  await browser?.close();
  await stopServer(server);
});

async function createVersion(version: string, config: string) {
  const form = page.getByTestId("version-form");
  await form.locator('input[name="version"]').fill(version);
  await form.locator('select[name="artifact-kind"]').selectOption("builtin");
  await form.locator('select[name="builtin"]').selectOption("kv");
  await form.locator('textarea[name="config"]').fill(config);
  await form.getByRole("button", { name: "Create version" }).click();
}

const phase = () => page.getByTestId("rollout-phase");

describe("apps and rollouts in a browser", () => {
  it("creates kv v1 and rolls it out; the page follows the rollout to the end without polling", async () => {
    await signIn(page, server.base, "olga", OPERATOR_PASSWORD);
    await page.getByRole("link", { name: "Apps" }).click();
    const bytes = Buffer.from("a bundle from the browser");
    await page.setInputFiles('input[name="bundle"]', { name: "shop.tgz", mimeType: "application/gzip", buffer: bytes });
    await page.getByRole("button", { name: "Upload" }).click();
    const digest = createHash("sha256").update(bytes).digest("hex");
    await page.getByTestId("uploaded-bundle").waitFor();
    expect(await page.getByTestId("uploaded-bundle").textContent()).toBe(
      `Stored ${bytes.length} bytes as sha256 ${digest}`,
    );
    await page.getByRole("cell", { name: digest }).waitFor();

    await page.fill('input[name="app-name"]', "kv");
    await page.getByRole("button", { name: "Create app" }).click();
    await page.waitForURL(/\/apps\/\d+$/);
    appPath = new URL(page.url()).pathname;

    await createVersion("v1", '{"port": 6379}');
    await page.getByRole("button", { name: "Roll out v1" }).click();
    await phase().filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("placement").textContent()).toMatch(/kv-node\s*v1\s*running/);
    expect(await page.getByTestId("rollout-steps").textContent()).toContain("instance on kv-node is healthy");
  });

  it("shows a field error for a version that already exists", async () => {
    await createVersion("v1", "{}");
    await page.getByText("kv already has a version v1").waitFor();
  });

  it("rolls v2 back automatically when its instances fail, and v1 stays placed", async () => {
    await createVersion("v2", '{"port": -1}');
    await page.getByRole("button", { name: "Roll out v2" }).click();
    await phase().filter({ hasText: "rolled-back" }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("rollout-reason").textContent()).toContain(
      "rolled back: instance on kv-node reported failed",
    );
    await page.getByTestId("placement").getByText("running").waitFor();
    expect(await page.getByTestId("placement").textContent()).toMatch(/kv-node\s*v1\s*running/);
    expect(await page.getByTestId("rollout-steps").textContent()).toContain("restored the previous version on kv-node");
    const desired = await agent.client.agent.desiredState.query();
    expect(desired.instances.map((instance) => [instance.app, instance.version])).toEqual([["kv", "v1"]]);
  });

  it("shows a viewer no mutating controls, and refuses a direct mutation", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${server.base}/login`);
    await signIn(page, server.base, "vera", VIEWER_PASSWORD);
    await page.goto(`${server.base}${appPath}`);
    await phase().waitFor();
    expect(await page.getByRole("button", { name: /Roll out/ }).count()).toBe(0);
    expect(await page.getByTestId("version-form").count()).toBe(0);
    expect(await page.getByRole("button", { name: /Delete|Abort|Pause/ }).count()).toBe(0);
    await page.goto(`${server.base}/apps`);
    await page.getByTestId("apps-table").getByText("kv").waitFor();
    expect(await page.getByRole("button", { name: /Create app|Upload/ }).count()).toBe(0);

    const viewer = apiClient(server.base);
    await viewer.auth.login.mutate({ username: "vera", password: VIEWER_PASSWORD });
    const [app] = await viewer.apps.list.query();
    const { versions } = await viewer.apps.get.query({ id: app!.id });
    const refused = await viewer.rollouts.start.mutate({ versionId: versions[0]!.id }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data?.code).toBe("FORBIDDEN");
    expect(await viewer.rollouts.list.query({ appId: app!.id })).toHaveLength(2);
  });
});
