// `npm run bench [-- --quick] [--only NAME,NAME] [--render-only]`: every registered benchmark module in
// turn, each Sluice against its baseline in the same run; progress on stderr; raw results as JSON in
// bench/results/; then bench/REPORT.md with its charts in bench/results/charts/. --render-only redraws
// the report from results/run-latest.json without measuring anything.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { resultsDir, sluiceBin, writeResults } from "./harness.js";
import { describeMachine } from "./report/machine.js";
import { renderReport } from "./report/markdown.js";
import { scriptModule } from "./report/script-module.js";
import type { BenchModule, ModuleOutcome, RunRecord } from "./report/types.js";
import udpEcho from "./udp-echo.js";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The registry: add a module here (or a standalone script through scriptModule, see bench/README.md). */
const MODULES: BenchModule[] = [
  udpEcho,
  scriptModule(
    "capi-overhead",
    "LibOS C API against the raw stack (same echo, same AF_XDP queue)",
    "capi-overhead.ts",
    benchDir,
  ),
  scriptModule(
    "libos-zero-copy",
    "LibOS zero-copy UDP buffers against copying, CPU per round trip on the sim wire (64 and 1472 B)",
    "libos-zero-copy.ts",
    benchDir,
  ),
  scriptModule(
    "kv-http",
    "kv vs redis-server (redis-benchmark) and http vs nginx (wrk), on AF_XDP and on the kernel backend",
    "kv-http.ts",
    benchDir,
  ),
  scriptModule(
    "control-plane",
    "Control plane: 1,000 agents heartbeating and reporting stats each second, on PGlite and on Postgres",
    "control-plane.ts",
    benchDir,
  ),
  scriptModule(
    "tcp",
    "TCP against the kernel: echo RTT, echoes/s at 16 connections, bulk throughput, CPU per segment",
    "tcp.ts",
    benchDir,
  ),
  scriptModule(
    "accelerate",
    "Unmodified redis-server and nginx under sluice accelerate (AF_XDP) vs on the kernel",
    "accelerate.ts",
    benchDir,
  ),
  scriptModule(
    "ts-echo",
    "TypeScript echo (@sluice/libos) against the native echo (same AF_XDP queue)",
    "ts-echo.ts",
    benchDir,
  ),
  scriptModule(
    "multiqueue",
    "Multi-queue: the native echo on 1 vs 2 shared-nothing instances (queues and cores), UDP flows and TCP at 16 connections",
    "multiqueue.ts",
    benchDir,
  ),
];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const renderOnly = args.includes("--render-only");
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? "").split(",").filter(Boolean)) : undefined;
const known = new Set(MODULES.map((m) => m.name));
for (const name of only ?? []) {
  if (!known.has(name)) {
    console.error(`bench: no module "${name}" (modules: ${[...known].join(", ")})`);
    process.exit(2);
  }
}

const started = Date.now();
const clock = (since: number) => {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

async function measure(): Promise<RunRecord> {
  const selected = MODULES.filter((m) => !only || only.has(m.name));
  const modules: ModuleOutcome[] = [];
  for (const [index, module] of selected.entries()) {
    const moduleStart = Date.now();
    const prefix = () =>
      `[bench ${index + 1}/${selected.length} ${module.name} ${clock(moduleStart)}, total ${clock(started)}]`;
    const progress = (message: string) => process.stderr.write(`${prefix()} ${message}\n`);
    // A heartbeat so a long silent step still shows the run is alive.
    const ticker = setInterval(() => progress("still running"), 15_000);
    progress(quick ? "starting (quick)" : "starting");
    try {
      const result = await module.run({ quick, resultsDir, progress });
      writeResults(module.name, { bench: module.name, date: new Date().toISOString(), quick, ...result });
      modules.push({ name: module.name, title: module.title, seconds: (Date.now() - moduleStart) / 1000, result });
      progress("done");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      modules.push({
        name: module.name,
        title: module.title,
        seconds: (Date.now() - moduleStart) / 1000,
        error: message,
      });
      progress(`FAILED: ${message}`);
    } finally {
      clearInterval(ticker);
    }
  }
  return {
    date: new Date().toISOString(),
    quick,
    machine: describeMachine(sluiceBin, join(benchDir, "..")),
    modules,
  };
}

const run: RunRecord = renderOnly
  ? (JSON.parse(readFileSync(join(resultsDir, "run-latest.json"), "utf8")) as RunRecord)
  : await measure();
if (!renderOnly) writeResults("run", run);

const chartsDir = join(resultsDir, "charts");
const reportFile = join(benchDir, "REPORT.md");
const report = renderReport(run, relative(benchDir, chartsDir));
mkdirSync(chartsDir, { recursive: true });
for (const [file, svg] of report.charts) writeFileSync(join(chartsDir, file), svg);
writeFileSync(reportFile, report.markdown);

const failed = run.modules.filter((m) => m.error);
console.log(`report: ${reportFile} (${report.charts.size} charts in ${chartsDir}), ${clock(started)} in all`);
if (failed.length > 0) console.log(`failed: ${failed.map((m) => m.name).join(", ")}`);
process.exit(failed.length === 0 ? 0 : 1);
