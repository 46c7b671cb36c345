// The control plane under 1,000 agents: one apps/web/server.mjs (the built apps/web), agents that each heartbeat and
// report stats every second from a few load processes (real tRPC clients, real node credentials, one instance
// each), on PGlite and then on a throwaway PostgreSQL (packages/db/scripts/with-postgres.mjs), one after the
// other in one run. Measures API latency at the client (p50/p99 per procedure) and at the server (its histogram),
// server memory at start and end (and every 10 s), and that a dashboard subscription gets a frame each second
// with every node in it. Writes results/control-plane-*.json.
//
// Also: server CPU (cores busy during the load, from process_cpu_seconds_total), the load processes' own CPU,
// the RSS slope after the first minute (MiB per minute, least squares), and the load average.
//
// Usage: npx tsx bench/src/control-plane.ts [--full] [--seconds S] [--agents N] [--processes P]
//        [--backend pglite|postgres|both] [--heartbeat-seconds S] [--agent-path direct|next]
//        (quick: 60 s per backend; --full: 10 min; --agent-path next sends agent calls through Next.js as well,
//        to compare with the direct path of apps/web/server.mjs)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AppRouter } from "@sluice/api";
import { exampleInventory } from "@sluice/proto";
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import { type RunningServer, removeStateDir, startServer } from "../../apps/web/test/support/server.js";
import type { SimulatedAgent } from "./control-plane-agents.js";
import { machine, progress, writeResults } from "./harness.js";
import { histogramPercentile, percentile } from "./latency.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
};
const full = args.includes("--full");
const seconds = Number(option("--seconds", full ? "600" : "60"));
const agentCount = Number(option("--agents", "1000"));
const processes = Number(option("--processes", "1"));
const agentPath = option("--agent-path", "direct");
/** The load is a heartbeat every second; a longer period isolates the stats (live) path. */
const heartbeatSeconds = Number(option("--heartbeat-seconds", "1"));
const backend = option("--backend", "both");
/** Set when this process is the Postgres half of a `both` run: where to leave its result. */
const partialFile = option("--partial", "");
const ADMIN_PASSWORD = "control plane bench admin";

function admin(base: string) {
  let cookie = "";
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${base}/api/trpc`,
        transformer: superjson,
        headers: () => ({ "x-sluice-request": "1", ...(cookie ? { cookie } : {}) }),
        fetch: async (url, init) => {
          const response = await fetch(url, init as RequestInit);
          cookie = response.headers.get("set-cookie")?.split(";")[0] ?? cookie;
          return response;
        },
      }),
    ],
  });
}

async function inBatches<T, R>(items: T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    results.push(...(await Promise.all(items.slice(start, start + width).map((item, i) => work(item, start + i)))));
  }
  return results;
}

/** Joins `count` nodes with real join tokens, sends each a first heartbeat, and gives each one instance. */
async function joinFleet(base: string, count: number): Promise<SimulatedAgent[]> {
  const operator = admin(base);
  await operator.auth.login.mutate({ username: "admin", password: ADMIN_PASSWORD });
  return inBatches(Array.from({ length: count }), 16, async (_, index) => {
    const hostname = `bench-${String(index).padStart(4, "0")}`;
    const { token } = await operator.tokens.create.mutate({ ttlMinutes: 60 });
    const anonymous = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${base}/api/trpc`, transformer: superjson, headers: { "x-sluice-request": "1" } })],
    });
    const { nodeId, credential } = await anonymous.agent.join.mutate({ token, hostname });
    const agent = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${base}/api/trpc`,
          transformer: superjson,
          headers: { authorization: `Bearer ${credential}` },
        }),
      ],
    });
    await agent.agent.heartbeat.mutate({ inventory: exampleInventory({ hostname }) });
    const { instanceId } = await operator.allocation.allocate.mutate({
      nodeId,
      app: "echo",
      version: "1",
      cores: 1,
      queues: 1,
    });
    return { nodeId, hostname, credential, instanceId };
  });
}

async function metricsText(base: string): Promise<string> {
  return (await fetch(`${base}/api/metrics`)).text();
}

function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
}

/** A dashboard's fleet subscription over SSE: frames received and how many nodes the newest frame had. */
function watchFleet(base: string, cookie: string) {
  const controller = new AbortController();
  const seen = { frames: 0, nodesInLastFrame: 0, maxGapMs: 0 };
  const input = encodeURIComponent(JSON.stringify({ json: { scope: { kind: "fleet" }, windowSeconds: 60 } }));
  const done = (async () => {
    const response = await fetch(`${base}/api/trpc/live.watch?input=${input}`, {
      headers: { cookie },
      signal: controller.signal,
    });
    const decoder = new TextDecoder();
    let pending = "";
    let last = Date.now();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      let end = pending.indexOf("\n\n");
      for (; end >= 0; end = pending.indexOf("\n\n")) {
        const event = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        const frame = data ? (JSON.parse(data) as { json?: { latest?: Record<string, unknown> } }).json : undefined;
        if (!frame?.latest) continue;
        seen.frames += 1;
        seen.nodesInLastFrame = Object.values(frame.latest).filter((value) => value !== null).length;
        seen.maxGapMs = Math.max(seen.maxGapMs, Date.now() - last);
        last = Date.now();
      }
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) throw error;
  });
  return {
    seen,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Least-squares slope of RSS over time, in MiB per second (NaN with fewer than two samples). */
function rssSlope(all: { atSecond: number; rssBytes: number }[]): number {
  // A sample the server did not answer in time (a starved server) has no value; it is left out, not a zero.
  const samples = all.filter((sample) => Number.isFinite(sample.rssBytes));
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const meanX = samples.reduce((sum, s) => sum + s.atSecond, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s.rssBytes / 2 ** 20, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.atSecond - meanX) * (s.rssBytes / 2 ** 20 - meanY);
    variance += (s.atSecond - meanX) ** 2;
  }
  return covariance / variance;
}

function summary(values: number[]) {
  const sorted = Float64Array.from(values);
  return {
    calls: values.length,
    p50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
    p99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
    maxMs: Math.round(percentile(sorted, 100) * 10) / 10,
  };
}

async function runBackend(kind: "pglite" | "postgres") {
  const env: Record<string, string> = {
    SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SLUICE_LOG_LEVEL: "warn",
    SLUICE_AGENT_PATH: agentPath,
  };
  if (kind === "postgres") env.DATABASE_URL = process.env.SLUICE_TEST_DATABASE_URL!;
  progress(`${kind}: starting apps/web/server.mjs`);
  // Start-up on a loaded 2-core box (Next.js, PGlite opening and migrating) can take well over 30 s.
  const server: RunningServer = await startServer({ env, readyTimeoutMs: 180_000 });
  const work = mkdtempSync(join(tmpdir(), "sluice-bench-cp-"));
  try {
    const rssAtStart = metricValue(await metricsText(server.base), "process_resident_memory_bytes");
    progress(`${kind}: joining ${agentCount} nodes`);
    const joinStarted = Date.now();
    const agents = await joinFleet(server.base, agentCount);
    const joinSeconds = (Date.now() - joinStarted) / 1000;
    const rssAfterJoin = metricValue(await metricsText(server.base), "process_resident_memory_bytes");

    const viewer = await fetch(`${server.base}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-sluice-request": "1" },
      body: JSON.stringify({ json: { username: "admin", password: ADMIN_PASSWORD } }),
    });
    const dashboard = watchFleet(server.base, viewer.headers.get("set-cookie")!.split(";")[0]!);

    progress(`${kind}: ${agentCount} agents in ${processes} processes for ${seconds}s`);
    const memory: { atSecond: number; rssBytes: number }[] = [];
    const cpuAtStart = metricValue(await metricsText(server.base), "process_cpu_seconds_total");
    const started = Date.now();
    const sampler = setInterval(async () => {
      const rssBytes = metricValue(await metricsText(server.base).catch(() => ""), "process_resident_memory_bytes");
      memory.push({ atSecond: Math.round((Date.now() - started) / 1000), rssBytes });
    }, 10_000);
    const workers = Array.from({ length: processes }, (_, index) => {
      const file = join(work, `agents-${index}.json`);
      writeFileSync(file, JSON.stringify(agents.filter((_, agent) => agent % processes === index)));
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(here, "control-plane-agents.ts"),
          file,
          server.base,
          String(seconds),
          String(heartbeatSeconds),
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        out += text;
      });
      return new Promise<{
        heartbeatMs: number[];
        statsMs: number[];
        errors: number;
        firstError?: string;
        cpuSeconds: number;
      }>((resolve, reject) =>
        child.on("exit", (code) =>
          code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load process exited ${code}`)),
        ),
      );
    });
    const results = await Promise.all(workers);
    const loadSeconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    await dashboard.stop();
    const text = await metricsText(server.base);
    const heartbeatMs = results.flatMap((result) => result.heartbeatMs);
    const statsMs = results.flatMap((result) => result.statsMs);
    // Above the top bucket (5 s) there is no bound; JSON would turn Infinity into null, so say so in words.
    const serverP99 = (procedure: string) => {
      const ms =
        histogramPercentile(text, "sluice_api_request_duration_seconds", `procedure="${procedure}"`, 99) * 1000;
      return Number.isFinite(ms) ? ms : Number.isNaN(ms) ? "no calls" : "above 5000";
    };
    const result = {
      backend: kind,
      agents: agentCount,
      seconds,
      heartbeatSeconds,
      joinSeconds,
      errors: results.reduce((sum, result) => sum + result.errors, 0),
      firstError: results.find((result) => result.firstError)?.firstError ?? null,
      client: {
        all: summary([...heartbeatMs, ...statsMs]),
        heartbeat: summary(heartbeatMs),
        reportStats: summary(statsMs),
      },
      /** Upper bucket bounds: the server's p99 is at most this. */
      serverP99UpperBoundMs: { heartbeat: serverP99("agent.heartbeat"), reportStats: serverP99("agent.reportStats") },
      callsPerSecond: Math.round((heartbeatMs.length + statsMs.length) / seconds),
      agentPath,
      /** Cores the server kept busy during the load (1 = one core all the time). */
      serverCpuCores: round2((metricValue(text, "process_cpu_seconds_total") - cpuAtStart) / loadSeconds),
      loadProcessCpuCores: round2(results.reduce((sum, result) => sum + result.cpuSeconds, 0) / loadSeconds),
      loadAverage: loadavg().map(round2),
      rss: {
        atStartMiB: Math.round(rssAtStart / 2 ** 20),
        afterJoinMiB: Math.round(rssAfterJoin / 2 ** 20),
        atEndMiB: Math.round(metricValue(text, "process_resident_memory_bytes") / 2 ** 20),
        samples: memory.map((sample) => ({ atSecond: sample.atSecond, MiB: Math.round(sample.rssBytes / 2 ** 20) })),
        /** After the first minute (warm-up): flat memory is a slope near 0. */
        slopeMiBPerMinute: round2(rssSlope(memory.filter((sample) => sample.atSecond >= 60)) * 60),
      },
      live: {
        series: metricValue(text, "sluice_live_series"),
        samplesPerSecond: Math.round(metricValue(text, "sluice_live_samples_per_second")),
        rollupRows: metricValue(text, "sluice_live_rollup_rows_total"),
      },
      dashboard: dashboard.seen,
    };
    // Flat headline fields first: the bench report's table shows a run's flat fields.
    return { clientP99Ms: result.client.all.p99Ms, rssAtEndMiB: result.rss.atEndMiB, ...result };
  } finally {
    await server.stop();
    removeStateDir(server.stateDir);
    rmSync(work, { recursive: true, force: true });
  }
}

if (!existsSync(join(repo, "apps", "web", ".next", "BUILD_ID"))) {
  console.error("control-plane bench: build the web app first (npm run build)");
  process.exit(1);
}
if (partialFile) {
  writeFileSync(partialFile, JSON.stringify(await runBackend("postgres")));
  process.exit(0);
}
const runs = [];
if (backend === "pglite" || backend === "both") runs.push(await runBackend("pglite"));
if (backend === "postgres" || backend === "both") {
  // The Postgres half runs under with-postgres.mjs, which starts and always removes a throwaway server.
  const partial = join(mkdtempSync(join(tmpdir(), "sluice-bench-pg-")), "result.json");
  const ownArgs = args.filter((arg, index) => arg !== "--backend" && args[index - 1] !== "--backend");
  const child = spawnSync(
    process.execPath,
    [
      join(repo, "packages", "db", "scripts", "with-postgres.mjs"),
      process.execPath,
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      ...ownArgs,
      "--partial",
      partial,
    ],
    { stdio: "inherit" },
  );
  if (child.status !== 0) throw new Error(`the Postgres run failed (${child.status})`);
  runs.push(JSON.parse(readFileSync(partial, "utf8")));
  rmSync(dirname(partial), { recursive: true, force: true });
}
const file = writeResults(full ? "control-plane-full" : "control-plane", {
  machine: machine(),
  mode: full ? "full" : "quick",
  targetP99Ms: 50,
  runs,
});
for (const run of runs) {
  progress(
    `${run.backend} (${run.agentPath}): ${run.callsPerSecond} calls/s, client p50 ${run.client.all.p50Ms} / p99 ${run.client.all.p99Ms} ms (heartbeat ${run.client.heartbeat.p99Ms}, stats ${run.client.reportStats.p99Ms}), server p99 <= ${run.serverP99UpperBoundMs.heartbeat}/${run.serverP99UpperBoundMs.reportStats} ms, RSS ${run.rss.atStartMiB} -> ${run.rss.afterJoinMiB} -> ${run.rss.atEndMiB} MiB (slope ${run.rss.slopeMiBPerMinute} MiB/min), server CPU ${run.serverCpuCores} cores, load processes ${run.loadProcessCpuCores} cores, load average ${run.loadAverage.join(" ")}, errors ${run.errors}, dashboard ${run.dashboard.frames} frames with ${run.dashboard.nodesInLastFrame} nodes`,
  );
}
progress(`results in ${file}`);
