// Drives Debian's Chromium through playwright-core against the built app: sign in, see nodes and a node's grids,
// create a join token as admin, and fail to create one as a viewer.
import { exampleInventory } from "@sluice/proto";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerWithAdmin } from "./support/admin";
import { launchBrowser, type OpenBrowser, signIn } from "./support/browser";
import { type RunningServer, stopServer } from "./support/server";
import { apiClient } from "./support/trpc";

const ADMIN_PASSWORD = "browser test admin password";
const VIEWER_PASSWORD = "browser test viewer password";

let server: RunningServer;
let browser: OpenBrowser;
let page: Page;

beforeAll(async () => {
  const started = await startServerWithAdmin(ADMIN_PASSWORD);
  server = started.server;
  const { admin } = started;
  await admin.users.create.mutate({ username: "vera", password: VIEWER_PASSWORD, role: "viewer" });
  const { token } = await admin.tokens.create.mutate({ ttlMinutes: 5, description: "for browser-node" });
  const { nodeId, credential } = await apiClient(server.base).agent.join.mutate({ token, hostname: "browser-node" });
  const inventory = exampleInventory({ hostname: "browser-node", numaNodes: 2, coresPerNuma: 2 });
  await apiClient(server.base, { bearer: credential, csrf: false }).agent.heartbeat.mutate({ inventory });
  await admin.allocation.allocate.mutate({ nodeId, app: "echo", version: "1", cores: 1, queues: 2 });

  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await stopServer(server);
});

describe("dashboard in a browser", () => {
  it("sends a signed-out visitor to the login page and rejects a wrong password", async () => {
    await page.goto(`${server.base}/nodes`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill('input[name="username"]', "admin");
    await page.fill('input[name="password"]', "not the password");
    await page.click('button[type="submit"]');
    // Next.js has its own (empty) route-announcer alert, so look for ours by its text.
    await page.getByRole("alert").filter({ hasText: "wrong username or password" }).waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  it("signs in and shows the nodes, then a node's queue and core grids with owners", async () => {
    await signIn(page, server.base, "admin", ADMIN_PASSWORD);
    await page.getByTestId("nodes-table").getByText("browser-node").waitFor();
    const row = await page.getByTestId("nodes-table").locator("tbody tr").first().textContent();
    expect(row).toContain("ready");
    expect(row).toContain("1 / 4"); // cores owned / total
    await page.getByRole("link", { name: "browser-node" }).click();
    await page.getByTestId("numa-1").waitFor();
    expect(await page.getByTestId("numa-0").textContent()).toMatch(/CPU 0\s*echo/);
    expect(await page.getByTestId("numa-1").textContent()).not.toContain("echo");
    expect(await page.getByTestId("nic-eth0").textContent()).toMatch(
      /queue 0\s*echo[\s\S]*queue 1\s*echo[\s\S]*queue 2\s*free/,
    );
  });

  it("sets a node's labels on its page, and shows the server's message for a malformed one", async () => {
    await page.fill('input[name="labels"]', "env=prod, rack=r7");
    await page.getByRole("button", { name: "Save labels" }).click();
    await page.getByTestId("node-labels").getByText("rack=r7").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("node-labels").textContent()).toBe("env=prodrack=r7");
    await page.fill('input[name="labels"]', "Bad Key=x");
    await page.getByRole("button", { name: "Save labels" }).click();
    await page.getByText('key "Bad Key": lower-case letters').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("node-labels").textContent()).toBe("env=prodrack=r7");
  });

  it("creates a join token as admin and shows its plaintext once", async () => {
    await page.goto(`${server.base}/settings`);
    await page.fill('input[name="description"]', "rack 7");
    await page.getByRole("button", { name: "Create join token" }).click();
    expect(await page.getByTestId("new-token").textContent()).toMatch(/^sjt_[\w-]{43}$/);
    await page.getByRole("cell", { name: "rack 7" }).waitFor();
  });

  it("refuses a viewer who tries to create a join token", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${server.base}/login`);
    await signIn(page, server.base, "vera", VIEWER_PASSWORD);
    expect(await page.getByTestId("current-user").textContent()).toBe("vera (viewer)");
    await page.goto(`${server.base}/settings`);
    await page.getByRole("button", { name: "Create join token" }).click();
    await page.getByRole("alert").filter({ hasText: "this needs the operator role" }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("new-token").count()).toBe(0);
    const admin = apiClient(server.base);
    await admin.auth.login.mutate({ username: "admin", password: ADMIN_PASSWORD });
    expect((await admin.tokens.list.query()).map((token) => token.description).sort()).toEqual([
      "for browser-node",
      "rack 7",
    ]);
  });
});
