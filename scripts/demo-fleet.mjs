// A small fleet on this one machine, built the way an operator builds a real one: node namespaces on a bridge in
// 198.18.0.0/15, the real `sluice agent` in each, joined with join tokens created through the control plane's API,
// apps created and rolled out through the same API the UI uses, and Debian's clients as load in a client namespace.
// `npm start` runs it (scripts/start.mjs); the end-to-end test (test/src/fleet-e2e.test.ts) builds it step by step.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork } from "@sluice/netns";
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import { repositoryRoot } from "./control-plane.mjs";

export const sluiceBin = join(repositoryRoot, "apps/agent/bin/sluice.js");

/** The demo's apps: each on its own NIC of every node (a veth has one queue), one core and one queue each. */
export const DEMO_APPS = [
  { name: "kv", port: 6379, proto: "tcp" },
  { name: "echo", port: 7, proto: "udp" },
];

/** A tRPC client that keeps its session cookie, as the browser does (untyped: this is plain JavaScript). */
export function apiClient(base) {
  let cookie = "";
  const client = createTRPCClient({
    links: [
      httpLink({
        url: `${base}/api/trpc`,
        transformer: superjson,
        headers: () => ({ "x-sluice-request": "1", ...(cookie ? { cookie } : {}) }),
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          const setCookie = response.headers.get("set-cookie");
          if (setCookie) cookie = setCookie.split(";")[0];
          return response;
        },
      }),
    ],
  });
  return Object.assign(client, { cookie: () => cookie });
}

export async function signIn(base, username, password) {
  const api = apiClient(base);
  await api.auth.login.mutate({ username, password });
  return api;
}

/**
 * Which backend the demo can use here: xdp needs root (namespaces, AF_XDP) and a kernel that lets `sluice node`
 * open an AF_XDP socket; otherwise kernel sockets, with the reason.
 */
export function chooseBackend() {
  // SLUICE_DEMO_BACKEND=kernel runs the demo as a machine without AF_XDP would (to try that path here).
  if (process.env.SLUICE_DEMO_BACKEND === "kernel") {
    return { backend: "kernel", namespaces: process.getuid?.() === 0, reason: "SLUICE_DEMO_BACKEND=kernel" };
  }
  if (process.platform !== "linux") return { backend: "kernel", namespaces: false, reason: "not Linux" };
  if (process.getuid?.() !== 0) {
    return { backend: "kernel", namespaces: false, reason: "not root: no network namespaces and no AF_XDP" };
  }
  const probe = spawnSync(process.execPath, [sluiceBin, "node", "--json"], { encoding: "utf8" });
  const backends = probe.status === 0 ? JSON.parse(probe.stdout).backends : [];
  const xdp = backends.find((entry) => entry.backend === "xdp");
  if (!xdp?.usable) {
    const why = xdp?.reason ?? probe.stderr.trim() ?? "sluice node failed";
    return { backend: "kernel", namespaces: true, reason: `AF_XDP is not usable here (${why})` };
  }
  return { backend: "xdp", namespaces: true, reason: "root with AF_XDP" };
}

/**
 * Node namespaces (two NICs each: one per demo app) and a client namespace on one bridge. Inside each node,
 * 127.0.0.1:controlPlanePort reaches the control plane, so the agents' own traffic never crosses the NICs the
 * apps take over with AF_XDP.
 */
export async function createFleetNetwork({ nodes, controlPlanePort }) {
  const network = await createNetwork({ hosts: [...nodes, "client"], topology: "bridge", nicsPerHost: 2 });
  try {
    // The client is a Linux peer: full checksums and no segmentation offloads towards AF_XDP (see the
    // machine notes), and one NIC, so its route to the nodes is unambiguous.
    await network.setOffloads("client", { tx: false, tso: false, gso: false });
    await network.exec("client", ["ip", "link", "set", "eth1", "down"]);
    for (const node of nodes) await network.exposeHostPort(node, controlPlanePort);
    return network;
  } catch (error) {
    await network.destroy();
    throw error;
  }
}

/**
 * Starts the real agent in a node namespace. Its state directory outlives it, so an agent started again on the
 * same directory uses its credential and adopts the instances that kept running.
 */
export function startAgent(network, node, { controlPlanePort, token, stateDir, heartbeatSeconds = 1, onLine }) {
  const argv = [process.execPath, sluiceBin, "agent", "--control-plane", `http://127.0.0.1:${controlPlanePort}`];
  argv.push("--name", node, "--state-dir", stateDir, "--heartbeat-interval", String(heartbeatSeconds));
  // Every node namespace shares this machine's cores, so another node's app pinned to a core is not a conflict.
  argv.push("--allow-shared-cores");
  if (token) argv.push("--token", token);
  const child = network.spawn(node, argv);
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (text) => {
      output += text;
      for (const line of text.split("\n")) if (line) onLine?.(line);
    });
  }
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls until `check` returns something truthy; its last error or value is in the timeout's message. */
export async function until(what, check, timeoutMs = 60_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function waitForNodes(api, names, state = "ready", timeoutMs = 60_000) {
  return until(
    `nodes ${names.join(", ")} ${state}`,
    async () => {
      const nodes = await api.nodes.list.query({});
      const matching = nodes.filter((node) => names.includes(node.name) && node.state === state);
      return matching.length === names.length ? matching : false;
    },
    timeoutMs,
  );
}

/** The instance config of a demo app: no address (each node's NIC has its own), no spinning on shared cores. */
export function appConfig(app, backend) {
  return { backend, port: app.port, proto: app.proto, busyPoll: false };
}

/** Creates the app (unless it exists) and a version of a built-in, rolls it out to every ready node, and waits. */
export async function rollOut(api, { app, builtin = app, version, config, timeoutMs = 120_000 }) {
  const existing = (await api.apps.list.query()).find((entry) => entry.name === app);
  const appId = existing?.id ?? (await api.apps.create.mutate({ name: app })).id;
  const created = await api.apps.createVersion.mutate({
    appId,
    version,
    artifact: { kind: "builtin", name: builtin },
    backend: config.backend,
    config,
    coresPerInstance: 1,
    queuesPerInstance: 1,
  });
  const rollout = await api.rollouts.start.mutate({ versionId: created.id, maxUnavailable: 3 });
  const done = await until(
    `${app} ${version} rolled out`,
    async () => {
      const current = await api.rollouts.get.query({ id: rollout.id });
      return ["succeeded", "rolled-back", "aborted", "failed"].includes(current.phase) ? current : false;
    },
    timeoutMs,
    500,
  );
  return { appId, versionId: created.id, rolloutId: rollout.id, phase: done.phase, rollout: done };
}

/** Where each instance of an app serves: the address of the NIC it was given on its node. */
export async function appTargets(api, network, app) {
  const instances = await api.allocation.listInstances.query({});
  return instances
    .filter((instance) => instance.app === app && instance.nic)
    .map((instance) => {
      const nic = network.host(instance.nodeName).nics.find((entry) => entry.name === instance.nic);
      return { node: instance.nodeName, ip: nic.ip };
    });
}

/**
 * A modest, endless load from the client namespace: redis-benchmark against each kv, `sluice bench udp-echo` (kernel
 * sockets) against each echo, one target at a time with a pause, so a shared machine stays usable.
 */
export function startLoad(network, { kv = [], echo = [] }) {
  const redis = kv.map((ip) => `redis-benchmark -h ${ip} -p 6379 -c 2 -n 4000 -t set,get -q >/dev/null 2>&1`);
  const udp = echo.map(
    (ip) =>
      `'${process.execPath}' '${sluiceBin}' bench udp-echo --target ${ip}:7 --backend kernel --duration 1 >/dev/null 2>&1`,
  );
  const loops = [redis, udp]
    .filter((commands) => commands.length > 0)
    .map((commands) =>
      network.spawn("client", ["sh", "-c", `while true; do ${commands.join("; sleep 0.5; ")}; sleep 1; done`]),
    );
  return {
    stop() {
      for (const loop of loops) loop.kill("SIGKILL");
    },
  };
}

/**
 * The whole demo: network, agents joined with tokens from the API, echo and kv rolled out, load running.
 * `stop()` stops the load and the agents and removes the namespaces (with every process in them).
 */
export async function startDemoFleet({ base, port, adminPassword, backend, nodes = ["node1", "node2", "node3"], log }) {
  const api = await signIn(base, "admin", adminPassword);
  const stateRoot = mkdtempSync(join(tmpdir(), "sluice-demo-"));
  const network = await createFleetNetwork({ nodes, controlPlanePort: port });
  const agents = new Map();
  let load;
  const fleet = {
    api,
    network,
    agents,
    backend,
    async stop() {
      load?.stop();
      await Promise.all([...agents.values()].map((agent) => agent.stop()));
      await network.destroy();
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
  try {
    for (const node of nodes) {
      const { token } = await api.tokens.create.mutate({ ttlMinutes: 10, description: `demo ${node}` });
      agents.set(node, startAgent(network, node, { controlPlanePort: port, token, stateDir: join(stateRoot, node) }));
    }
    await waitForNodes(api, nodes);
    log?.(`${nodes.length} nodes joined and ready: ${nodes.join(", ")}`);
    for (const app of DEMO_APPS) {
      const result = await rollOut(api, { app: app.name, version: "v1", config: appConfig(app, backend) });
      if (result.phase !== "succeeded")
        throw new Error(`${app.name} v1 ended ${result.phase}: ${result.rollout.reason ?? ""}`);
      log?.(`${app.name} v1 rolled out on ${backend} to every node`);
    }
    const kv = (await appTargets(api, network, "kv")).map((target) => target.ip);
    const echo = (await appTargets(api, network, "echo")).map((target) => target.ip);
    load = startLoad(network, { kv, echo });
    log?.(`load: redis-benchmark -> ${kv.join(", ")}:6379, sluice bench udp-echo -> ${echo.join(", ")}:7`);
    return fleet;
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}
