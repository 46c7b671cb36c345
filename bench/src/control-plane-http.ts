// What the HTTP layer costs per agent call, with the procedure doing (almost) nothing: an anonymous
// agent.desiredState is refused by the agent middleware before any database access. The same calls go once
// through apps/web/server.mjs's direct tRPC path and once through Next.js (SLUICE_AGENT_PATH=next), each on
// its own fresh server, and the server's CPU time per call (process_cpu_seconds_total) is compared: CPU time,
// unlike latency, stays meaningful on a loaded machine. Writes results/control-plane-http-*.json.
//
// Usage: npx tsx bench/src/control-plane-http.ts [--calls N] [--concurrency C]
import { loadavg } from "node:os";
import { removeStateDir, startServer } from "../../apps/web/test/support/server.js";
import { machine, progress, writeResults } from "./harness.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(name);
  return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
};
const calls = Number(option("--calls", "3000"));
const concurrency = Number(option("--concurrency", "8"));

async function cpuSeconds(base: string): Promise<number> {
  const text = await (await fetch(`${base}/api/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1]);
}

async function run(path: "direct" | "next") {
  progress(`${path}: starting apps/web/server.mjs`);
  const server = await startServer({ env: { SLUICE_AGENT_PATH: path }, readyTimeoutMs: 180_000 });
  try {
    const url = `${server.base}/api/trpc/agent.desiredState`;
    let refusedAsExpected = 0;
    const call = async () => {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 401) refusedAsExpected += 1;
    };
    const load = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            next += 1;
            await call();
          }
        }),
      );
    };
    await load(300); // warm-up: JIT, Next.js route compilation caches
    refusedAsExpected = 0;
    const cpuBefore = await cpuSeconds(server.base);
    const started = performance.now();
    await load(calls);
    const seconds = (performance.now() - started) / 1000;
    const cpu = (await cpuSeconds(server.base)) - cpuBefore;
    if (refusedAsExpected !== calls) throw new Error(`${path}: ${calls - refusedAsExpected} calls were not a 401`);
    return {
      path,
      calls,
      concurrency,
      serverCpuMicrosecondsPerCall: Math.round((cpu / calls) * 1e6),
      callsPerSecond: Math.round(calls / seconds),
    };
  } finally {
    await server.stop();
    removeStateDir(server.stateDir);
  }
}

const direct = await run("direct");
const next = await run("next");
const file = writeResults("control-plane-http", {
  machine: machine(),
  loadAverage: loadavg(),
  runs: [direct, next],
  nextOverDirectCpuPerCall:
    Math.round((next.serverCpuMicrosecondsPerCall / direct.serverCpuMicrosecondsPerCall) * 100) / 100,
});
for (const run of [direct, next]) {
  progress(`${run.path}: ${run.serverCpuMicrosecondsPerCall} µs server CPU per call, ${run.callsPerSecond} calls/s`);
}
progress(
  `load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(" ")}; results in ${file}`,
);
