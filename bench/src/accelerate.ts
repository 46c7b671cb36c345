// Transparent acceleration (issue 9): the same unmodified Debian redis-server and nginx binaries on
// the kernel and under `sluice accelerate` (AF_XDP, busy polling, pinned to CPU 0), in one run, on
// one veth pair; redis-benchmark SET/GET at -P 1 and -P 16 with 16 clients and wrk -c 16 from the
// client host on CPU 1. Targets: accelerated/kernel >= 1.5 for redis without pipelining and for
// nginx. Writes results/accelerate-*.json with the ratios and the load average seen.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork } from "@sluice/netns";
import {
  type HttpRun,
  type KvRun,
  redisBenchmark,
  redisServerArgs,
  requestRateRows,
  startNginx,
  writeNginxConfig,
  wrk,
} from "./app-loads.js";
import { machine, progress, sluiceBin, startServer, writeResults } from "./harness.js";

const SERVER = "198.18.0.1";
const REDIS_PORT = 6379;
const HTTP_PORT = 80;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const requestsP1 = quick ? 50_000 : 200_000;
const requestsP16 = quick ? 200_000 : 1_000_000;
const wrkSeconds = quick ? 3 : 10;
// --no-busy-poll: the accelerated programs sleep when idle instead of spinning (a loaded machine).
const busyPoll = !args.includes("--no-busy-poll");

const kvRuns: KvRun[] = [];
const httpRuns: HttpRun[] = [];
const loads: Record<string, number[]> = {};
const redisTarget = { ip: SERVER, port: REDIS_PORT };
const url = `http://${SERVER}:${HTTP_PORT}/`;

/** The launcher in front of a program: the LibOS on eth0's queue 0, pinned to CPU 0, busy polling
 *  unless --no-busy-poll. */
const accelerated = (program: string[]) => [
  process.execPath,
  sluiceBin,
  "accelerate",
  "--backend",
  "xdp",
  "--iface",
  "eth0",
  "--ip",
  `${SERVER}/24`,
  "--core",
  "0",
  busyPoll ? "--busy-poll" : "--no-busy-poll",
  "--",
  ...program,
];
const onKernel = (program: string[]) => ["taskset", "-c", "0", ...program];

const net = await createNetwork({ hosts: ["server", "client"] });
const dir = mkdtempSync(join(tmpdir(), "sluice-bench-accelerate-"));
try {
  for (const host of ["server", "client"]) await net.setOffloads(host, { tx: false, tso: false, gso: false });
  const redis = ["/usr/bin/redis-server", ...redisServerArgs(SERVER, REDIS_PORT, dir)];
  const nginx = ["/usr/sbin/nginx", "-c", writeNginxConfig(dir, SERVER, HTTP_PORT), "-p", dir];

  for (const mode of ["kernel", "accelerated"] as const) {
    const launch = mode === "kernel" ? onKernel : accelerated;
    // Sluice owns the server's address once accelerated: the server kernel must not answer ARP for it.
    if (mode === "accelerated") await net.exec("server", ["ip", "addr", "flush", "dev", "eth0"]);
    loads[mode] = loadavg();
    const server = await startServer(net, "server", launch(redis), /Ready to accept connections/, 30_000);
    for (const pipeline of [1, 16]) {
      const requests = pipeline === 1 ? requestsP1 : requestsP16;
      kvRuns.push(await redisBenchmark(net, redisTarget, `redis-server (${mode})`, pipeline, requests));
    }
    await server.stop();
    const http = await startNginx(net, launch(nginx), url);
    httpRuns.push(await wrk(net, url, `nginx, 1 worker (${mode})`, wrkSeconds));
    await http.stop();
  }
} finally {
  await net.destroy();
  rmSync(dir, { recursive: true, force: true });
}

const kvRate = (mode: string, pipeline: number) => {
  const run = kvRuns.find((r) => r.server === `redis-server (${mode})` && r.pipeline === pipeline);
  return run ? ((run.requestsPerSecond.SET ?? 0) + (run.requestsPerSecond.GET ?? 0)) / 2 : undefined;
};
const httpRate = (mode: string) => httpRuns.find((r) => r.server === `nginx, 1 worker (${mode})`)?.requestsPerSecond;
const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : null);
const ratios = {
  redisSetGetP1AcceleratedOverKernel: ratio(kvRate("accelerated", 1), kvRate("kernel", 1)),
  redisSetGetP16AcceleratedOverKernel: ratio(kvRate("accelerated", 16), kvRate("kernel", 16)),
  nginxAcceleratedOverKernel: ratio(httpRate("accelerated"), httpRate("kernel")),
};
const targets = {
  redisSetGetP1AcceleratedOverKernel: ">= 1.5",
  nginxAcceleratedOverKernel: ">= 1.5",
};
// One row per measurement, for the report (bench/src/report/script-module.ts): a rate column each.
const runs = requestRateRows(kvRuns, httpRuns);
const file = writeResults("accelerate", {
  runs,
  bench: "accelerate",
  date: new Date().toISOString(),
  machine: machine(),
  settings: { requestsP1, requestsP16, wrkSeconds, quick, busyPoll },
  loadAverageAtStart: loads,
  loadAverageAtEnd: loadavg(),
  kv: kvRuns,
  http: httpRuns,
  ratios,
  targets,
});
console.log(JSON.stringify({ kv: kvRuns, http: httpRuns, ratios, targets, loadAverage: loadavg() }, null, 2));
progress(`results written to ${file}`);
