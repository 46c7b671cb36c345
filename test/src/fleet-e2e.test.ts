// The whole system end to end, built from scratch the way `npm start` builds its demo (scripts/demo-fleet.mjs):
// a control plane on PGlite, node namespaces with real agents, kv on AF_XDP, Debian's Redis clients in a client
// namespace, and an operator in Debian's Chromium. Each step depends on the one before, as an operator's day does.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Network } from "@sluice/netns";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningControlPlane, startControlPlane } from "../../scripts/control-plane.mjs";
import {
  type AgentProcess,
  type Api,
  appConfig,
  appTargets,
  chooseBackend,
  createFleetNetwork,
  signIn,
  startAgent,
  until,
  waitForNodes,
} from "../../scripts/demo-fleet.mjs";

const ADMIN_PASSWORD = "fleet end to end admin";
const HEARTBEAT_TIMEOUT_MS = 5000;
const NODES = ["node1", "node2", "node3"];
const KV = { port: 6379, proto: "tcp" as const };

let port: number;
let stateDir: string;
let agentsDir: string;
let plane: RunningControlPlane;
let network: Network;
let api: Api;
const agents = new Map<string, AgentProcess>();
let profileDir: string;
let browser: BrowserContext;
let page: Page;
let kvAppPath = "";

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => probe.once("listening", resolve));
  const { port: chosen } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return chosen;
}

const startPlane = () =>
  startControlPlane({
    port,
    env: {
      SLUICE_STATE_DIR: stateDir,
      SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SLUICE_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
      DATABASE_URL: "",
    },
    readyTimeoutMs: 120_000,
  });

const agentOn = (node: string, token?: string) =>
  startAgent(network, node, { controlPlanePort: port, stateDir: join(agentsDir, node), ...(token ? { token } : {}) });

const redisCli = async (ip: string, ...args: string[]) =>
  (
    await network.exec("client", ["redis-cli", "-h", ip, "-p", String(KV.port), ...args], { timeoutMs: 20_000 })
  ).stdout.trim();

/** Waits until a node's row in the UI's nodes table shows the state. */
async function nodeRowShows(node: string, state: string, timeoutMs: number) {
  await page.goto(`${plane.base}/nodes`);
  const row = page.getByTestId("nodes-table").getByRole("row").filter({ hasText: node });
  await row.getByText(state, { exact: true }).waitFor({ timeout: timeoutMs });
}

const kvTargets = async () => (await appTargets(api, network, "kv")).map((target) => target.ip).sort();

beforeAll(async () => {
  expect(chooseBackend().backend).toBe("xdp");
  port = await freePort();
  stateDir = mkdtempSync(join(tmpdir(), "sluice-e2e-plane-"));
  agentsDir = mkdtempSync(join(tmpdir(), "sluice-e2e-agents-"));
  plane = await startPlane();
  network = await createFleetNetwork({ nodes: NODES, controlPlanePort: port });
  api = await signIn(plane.base, "admin", ADMIN_PASSWORD);
  // Two nodes join as they would from a provisioning script; the third joins in the first test, from the UI.
  for (const node of NODES.slice(0, 2)) {
    const { token } = await api.tokens.create.mutate({ ttlMinutes: 10, description: node });
    agents.set(node, agentOn(node, token));
  }
  profileDir = mkdtempSync(join(tmpdir(), "sluice-chromium-"));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await Promise.all([...agents.values()].map((agent) => agent.stop()));
  await network?.destroy();
  await plane?.stop();
  for (const dir of [stateDir, agentsDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a fleet in namespaces, operated from the browser", () => {
  it("signs in, creates a join token in the UI, and a fresh agent joins with it and shows ready", async () => {
    await page.goto(`${plane.base}/login`);
    await page.fill('input[name="username"]', "admin");
    await page.fill('input[name="password"]', ADMIN_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${plane.base}/nodes`);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.fill('input[name="description"]', "node3 from the browser");
    await page.getByRole("button", { name: "Create join token" }).click();
    const token = (await page.getByTestId("new-token").textContent())?.trim() ?? "";
    expect(token).toMatch(/^sjt_[\w-]{43}$/);

    agents.set("node3", agentOn("node3", token));
    await waitForNodes(api, NODES, "ready", 60_000);
    for (const node of NODES) await nodeRowShows(node, "ready", 30_000);
    // The token was spent: a second agent cannot join with it.
    const refused = await api.agent.join.mutate({ token, hostname: "intruder" }).catch((error: Error) => error);
    expect(String(refused)).toMatch(/used/);
  });

  it("allocates a core and a queue per node and rolls out kv v1 to all nodes from the UI", async () => {
    await page.getByRole("link", { name: "Apps" }).click();
    await page.fill('input[name="app-name"]', "kv");
    await page.getByRole("button", { name: "Create app" }).click();
    await page.waitForURL(/\/apps\/\d+$/);
    kvAppPath = new URL(page.url()).pathname;
    await createVersion("v1", appConfig(KV, "xdp"));
    await page.getByRole("button", { name: "Roll out v1" }).click();
    await page.getByTestId("rollout-phase").filter({ hasText: "succeeded" }).waitFor({ timeout: 150_000 });
    const placement = (await page.getByTestId("placement").textContent()) ?? "";
    for (const node of NODES) expect(placement).toMatch(new RegExp(`${node}\\s*v1\\s*running`));

    const instances = (await api.allocation.listInstances.query({})).filter((instance) => instance.app === "kv");
    expect(instances.map((instance) => instance.nodeName).sort()).toEqual(NODES);
    for (const node of await api.nodes.list.query({})) {
      const detail = await api.nodes.get.query({ id: node.id });
      const cores = detail.cpus.filter((cpu) => cpu.owner?.app === "kv");
      const queues = detail.nics.flatMap((nic) => nic.queues.filter((queue) => queue.owner?.app === "kv"));
      expect([node.name, cores.length, queues.length]).toEqual([node.name, 1, 1]);
    }
    for (const ip of await kvTargets()) expect(await redisCli(ip, "PING")).toBe("PONG");
  });

  it("serves redis-benchmark from the client on every node, and the fleet chart shows its throughput", async () => {
    await page.goto(`${plane.base}/nodes`);
    const chart = page.getByTestId("fleet-mpps");
    await until("the fleet chart has points", async () => Number(await chart.getAttribute("data-points")) > 2, 30_000);
    const rate = async () => Number((await chart.getAttribute("data-last")) || 0);
    // Idle kv instances see at most stray multicast; redis-benchmark is thousands of packets per second.
    const busy = 0.0005;
    await until("an idle chart", async () => (await rate()) < busy, 30_000);
    const targets = await kvTargets();
    expect(targets).toHaveLength(3);
    const benchmarks = (async () => {
      const results: string[] = [];
      for (let round = 0; round < 3; round++) {
        for (const ip of targets) {
          const argv = ["redis-benchmark", "-h", ip, "-p", "6379", "-c", "4", "-n", "4000", "-t", "set,get", "-q"];
          results.push((await network.exec("client", argv, { timeoutMs: 60_000 })).stdout);
        }
      }
      return results;
    })();
    const seen = await until(
      "the chart moving with the load",
      async () => ((await rate()) > busy ? rate() : 0),
      90_000,
    );
    expect(seen).toBeGreaterThan(busy);
    for (const output of await benchmarks) {
      expect(output).toMatch(/SET: [\d.]+ requests per second/);
      expect(output).toMatch(/GET: [\d.]+ requests per second/);
    }
    // The benchmark's SETs landed: its (fixed) key exists on every node.
    for (const ip of targets) expect(await redisCli(ip, "EXISTS", "key:__rand_int__")).toBe("1");
  });

  it("rolls a bad v2 back automatically, and v1 keeps serving", async () => {
    await page.goto(`${plane.base}${kvAppPath}`);
    await createVersion("v2", { ...appConfig(KV, "xdp"), port: -1 });
    await page.getByRole("button", { name: "Roll out v2" }).click();
    await page.getByTestId("rollout-phase").filter({ hasText: "rolled-back" }).waitFor({ timeout: 120_000 });
    expect(await page.getByTestId("rollout-reason").textContent()).toMatch(
      /rolled back: instance on node\d reported failed/,
    );
    await until(
      "v1 running on every node again",
      async () => {
        const instances = await api.allocation.listInstances.query({});
        const kv = instances.filter((instance) => instance.app === "kv");
        return (
          kv.length === 3 && kv.every((instance) => instance.version === "v1" && instance.reportedState === "running")
        );
      },
      90_000,
    );
    for (const ip of await kvTargets()) {
      await until(`PONG from ${ip}`, async () => (await redisCli(ip, "PING")) === "PONG", 30_000);
    }
  });

  it("shows a killed agent's node down within the heartbeat timeout, its app still serving, and back when restarted", async () => {
    const killedAt = Date.now();
    await agents.get("node2")!.stop("SIGKILL");
    await nodeRowShows("node2", "down", 60_000);
    // The timeout plus one sweep (timeout / 6) and the page's refresh; generous for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 40_000);
    const node2 = (await appTargets(api, network, "kv")).find((target) => target.node === "node2")!;
    expect(await redisCli(node2.ip, "PING")).toBe("PONG");

    agents.set("node2", agentOn("node2"));
    await nodeRowShows("node2", "ready", 60_000);
    expect(agents.get("node2")!.output()).not.toMatch(/refused to join/);
    expect(await redisCli(node2.ip, "PING")).toBe("PONG");
  });

  it("restarts the control plane and loses nothing: apps keep serving, rollouts and allocations intact", async () => {
    const [kvApp] = (await api.apps.list.query()).filter((app) => app.name === "kv");
    const snapshot = async (client: Api) => ({
      rollouts: (await client.rollouts.list.query({ appId: kvApp!.id })).map((r) => [r.id, r.phase]),
      instances: (await client.allocation.listInstances.query({})).map((i) => [i.id, i.nodeName, i.version, i.nic]),
      cores: await Promise.all(
        (await client.nodes.list.query({})).map(async (node) =>
          JSON.stringify(await client.nodes.get.query({ id: node.id })),
        ),
      ),
    });
    const before = await snapshot(api);
    expect(before.rollouts.map(([, phase]) => phase)).toEqual(expect.arrayContaining(["succeeded", "rolled-back"]));

    await plane.stop();
    // The control plane is away: the apps do not depend on it.
    for (const ip of await kvTargetsFrom(before.instances)) expect(await redisCli(ip, "PING")).toBe("PONG");
    plane = await startPlane();
    api = await signIn(plane.base, "admin", ADMIN_PASSWORD);
    await waitForNodes(api, NODES, "ready", 90_000);
    const after = await snapshot(api);
    expect(after.rollouts).toEqual(before.rollouts);
    expect(after.instances).toEqual(before.instances);
    expect(allocationsOf(after.cores)).toEqual(allocationsOf(before.cores));
    for (const ip of await kvTargets()) expect(await redisCli(ip, "PING")).toBe("PONG");
    await page.goto(`${plane.base}${kvAppPath}`);
    const placement = page.getByTestId("placement");
    await placement.getByText("running").first().waitFor({ timeout: 30_000 });
    for (const node of NODES) expect(await placement.textContent()).toMatch(new RegExp(`${node}\\s*v1\\s*running`));
  });
});

async function createVersion(version: string, config: Record<string, unknown>) {
  const form = page.getByTestId("version-form");
  await form.locator('input[name="version"]').fill(version);
  await form.locator('select[name="artifact-kind"]').selectOption("builtin");
  await form.locator('select[name="builtin"]').selectOption("kv");
  await form.locator('select[name="backend"]').selectOption("xdp");
  await form.locator('textarea[name="config"]').fill(JSON.stringify(config));
  await form.locator('input[name="cores"]').fill("1");
  await form.locator('input[name="queues"]').fill("1");
  await form.getByRole("button", { name: "Create version" }).click();
  await page.getByTestId("versions").getByRole("cell", { name: version, exact: true }).waitFor();
}

/** The kv addresses from a snapshot's instance rows (node, NIC), read without the control plane. */
async function kvTargetsFrom(instances: unknown[][]) {
  return instances.map(([, node, , nic]) => network.host(String(node)).nics.find((n) => n.name === nic)!.ip);
}

/** The cores and queues each node's detail lists as owned, without fields that change every heartbeat. */
function allocationsOf(details: string[]) {
  return details.map((text) => {
    const detail = JSON.parse(text) as { cpus?: unknown; nics?: unknown; name?: string };
    return { name: detail.name, cpus: detail.cpus, nics: detail.nics };
  });
}
