// Live throughput end to end: a simulated agent (a real tRPC client with a real node credential) reports
// counters every second to `next start`; Chromium shows them moving on /nodes (the node's Gbit/s cell and the
// fleet chart) and on /nodes/[id] (the node chart); /api/metrics counts it all.
import { exampleInventory } from "@sluice/proto";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerWithAdmin } from "./support/admin";
import { launchBrowser, type OpenBrowser, signIn } from "./support/browser";
import { type RunningServer, stopServer } from "./support/server";
import { apiClient } from "./support/trpc";

const ADMIN_PASSWORD = "live test admin password";
const GIGABIT = 125_000_000; // bytes per second of 1 Gbit/s

let server: RunningServer;
let browser: OpenBrowser;
let page: Page;
let nodeId: string;
let reporter: NodeJS.Timeout;

beforeAll(async () => {
  const started = await startServerWithAdmin(ADMIN_PASSWORD, { readyTimeoutMs: 90_000 });
  server = started.server;
  const admin = started.admin;
  const { token } = await admin.tokens.create.mutate({ ttlMinutes: 5 });
  const joined = await apiClient(server.base).agent.join.mutate({ token, hostname: "live-node" });
  nodeId = joined.nodeId;
  const agent = apiClient(server.base, { bearer: joined.credential, csrf: false });
  await agent.agent.heartbeat.mutate({ inventory: exampleInventory({ hostname: "live-node" }) });

  const { instanceId } = await admin.allocation.allocate.mutate({
    nodeId,
    app: "echo",
    version: "1",
    cores: 1,
    queues: 1,
  });

  // Each second's increase (as agents report it) is 1 to 4 Gbit/s worth of bytes, changing every second, so the
  // newest plotted value keeps changing.
  let tick = 0;
  const inventory = exampleInventory({ hostname: "live-node" });
  const report = () => {
    tick += 1;
    // Like a real agent: a heartbeat with the stats, or the node would be marked down.
    agent.agent.heartbeat.mutate({ inventory }).catch((error: unknown) => console.error("simulated agent:", error));
    const bytes = (1 + (tick % 4)) * GIGABIT;
    const counters = { rxBytes: bytes, txBytes: 0, rxPackets: Math.round(bytes / 1000), txPackets: 0, drops: 0 };
    agent.agent.reportStats
      .mutate({
        samples: [
          { instanceId, at: new Date(), ...counters },
          { instanceId, at: new Date(), ...counters, queue: 0 },
        ],
      })
      .catch((error: unknown) => console.error("simulated agent:", error));
  };
  report();
  reporter = setInterval(report, 1000);

  browser = await launchBrowser();
  page = browser.page;
  await signIn(page, server.base, "admin", ADMIN_PASSWORD);
  // A server start, a join, an allocation and a browser launch on a busy 2-core machine: more than the default.
}, 180_000);

afterAll(async () => {
  clearInterval(reporter);
  await browser?.close();
  await stopServer(server);
});

/** Waits until the text (or attribute) read by `read` is a number, then until it differs from that first one. */
async function seesChange(read: () => Promise<string | null>, timeoutMs = 30_000): Promise<[number, number]> {
  const deadline = Date.now() + timeoutMs;
  let first: number | undefined;
  for (;;) {
    const value = Number.parseFloat((await read()) ?? "");
    if (Number.isFinite(value) && value > 0) {
      if (first === undefined) first = value;
      else if (value !== first) return [first, value];
    }
    if (Date.now() > deadline) throw new Error(`no change within ${timeoutMs} ms (first value ${first})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("live throughput in the browser", () => {
  it("moves the node's Gbit/s cell and the fleet chart on /nodes", async () => {
    const cell = page.locator(`[data-live-key="node:${nodeId}"][data-live-unit="gbits"]`);
    await cell.waitFor();
    const [before, after] = await seesChange(() => cell.textContent());
    // rx only, 1 to 4 Gbit/s, over the agent's real (jittery) intervals: a loose band, not an exact value.
    for (const value of [before, after]) expect(value).toBeGreaterThan(0.5);
    for (const value of [before, after]) expect(value).toBeLessThan(8);
    const chart = page.getByTestId("fleet-gbits");
    await seesChange(() => chart.getAttribute("data-last"));
    expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThan(1);
  });

  it("moves the node chart on /nodes/[id] and plots the queue", async () => {
    await page.getByRole("link", { name: "live-node" }).click();
    const chart = page.getByTestId("node-gbits");
    await chart.waitFor();
    const [before, after] = await seesChange(() => chart.getAttribute("data-last"));
    expect(before).not.toBe(after);
    await seesChange(() => page.getByTestId("queue-gbits").getAttribute("data-last"));
    expect(await page.locator(".live-chart canvas").count()).toBeGreaterThanOrEqual(3);
  });

  it("moves the app chart on /apps/[id] (the app scope of live.watch)", async () => {
    await page.goto(`${server.base}/apps`);
    await page.getByRole("link", { name: "echo" }).click();
    const chart = page.getByTestId("app-gbits");
    await chart.waitFor();
    const [before, after] = await seesChange(() => chart.getAttribute("data-last"));
    expect(before).not.toBe(after);
    expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThan(1);
  });

  it("counts requests, series and samples in /api/metrics, without secrets", async () => {
    const response = await fetch(`${server.base}/api/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('sluice_nodes{state="ready"} 1');
    expect(text).toContain("sluice_agents_connected 1");
    expect(text).toMatch(/sluice_api_requests_total\{procedure="agent.reportStats",code="OK"\} [1-9]/);
    expect(text).toMatch(
      /sluice_api_request_duration_seconds_bucket\{procedure="agent.reportStats",le="\+Inf"\} [1-9]/,
    );
    // fleet, node, app, instance and queue.
    expect(text).toMatch(/^sluice_live_series 5$/m);
    expect(text).toMatch(/^sluice_live_samples_ingested_total [1-9]/m);
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]/m);
    expect(text).not.toContain(nodeId);
    expect(text).not.toContain("live-node");
  });
});
