// kv and http on one veth pair, in one run, against their kernel baselines (issue 5, c and d):
//   (c) Sluice kv over AF_XDP vs redis-server on the kernel, both driven by redis-benchmark from the
//       peer namespace, SET and GET at -P 1 -c 16 and at -P 16 -c 16;
//   (d) Sluice http over AF_XDP vs nginx (one worker, access log off) under wrk -c 16;
//   (e) the same kv and http on --backend kernel (epoll), to tell the stack's share from the app's;
//   and the TypeScript kv and http (`--impl ts`) on AF_XDP beside the native ones.
// Servers on CPU 0, clients on CPU 1. Each run records the client's own CPU seconds per wall second:
// near 1.0 the load generator, not the server, set the rate.
// Writes results/kv-http-*.json with the ratios and targets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Network } from "@sluice/netns";
import { redisServerArgs, requestRateRows, startNginx, writeNginxConfig } from "./app-loads.js";
import {
  createBenchNetwork,
  kernelServerFlags,
  machine,
  progress,
  sluiceRunArgv,
  startServer,
  writeResults,
  xdpServerFlags,
} from "./harness.js";

const SERVER = "198.18.0.1";
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const requestsP1 = quick ? 50_000 : 200_000;
const requestsP16 = quick ? 200_000 : 1_000_000;
const wrkSeconds = quick ? 3 : 10;

/**
 * The load generator's own CPU use over its run: user + system seconds of the client (from bash's
 * `times`) per wall second. Near 1.0 the client, pinned to one CPU, was the limit, not the server.
 */
interface ClientCpu {
  seconds: number;
  wallSeconds: number;
  share: number;
}
interface KvRun {
  server: string;
  pipeline: number;
  clients: number;
  requestsPerSecond: Record<string, number>;
  clientCpu: ClientCpu;
}
interface HttpRun {
  server: string;
  connections: number;
  requestsPerSecond: number;
  socketErrors: string | null;
  clientCpu: ClientCpu;
}

const kvRuns: KvRun[] = [];
const httpRuns: HttpRun[] = [];

function parseRedisBenchmark(output: string): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const line of output.split(/[\r\n]+/)) {
    const match = /^([A-Z_]+(?: \(.*\))?): ([\d.]+) requests per second/.exec(line.trim());
    if (match) rates[match[1]!] = Number(match[2]);
  }
  return rates;
}

/** Runs `command` on CPU 1 of the client namespace and measures its own CPU time. */
async function runClient(
  net: Network,
  command: string[],
  timeoutMs: number,
): Promise<{ stdout: string; cpu: ClientCpu }> {
  const started = process.hrtime.bigint();
  // `times` prints the shell's and then its children's user and system time: the last line is the client's.
  const out = await net.exec("client", ["bash", "-c", '"$@"; times', "bash", "taskset", "-c", "1", ...command], {
    timeoutMs,
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = out.stdout.trimEnd().split("\n");
  const times = (lines.pop() ?? "").match(/(\d+)m([\d.]+)s/g) ?? [];
  const seconds = times
    .map((time) => /(\d+)m([\d.]+)s/.exec(time))
    .reduce((sum, match) => sum + (match ? Number(match[1]) * 60 + Number(match[2]) : 0), 0);
  lines.pop(); // the shell's own times
  const cpu = {
    seconds,
    wallSeconds: Number(wallSeconds.toFixed(3)),
    share: Number((seconds / wallSeconds).toFixed(3)),
  };
  return { stdout: lines.join("\n"), cpu };
}

async function redisBenchmark(net: Network, server: string, pipeline: number): Promise<void> {
  const requests = pipeline === 1 ? requestsP1 : requestsP16;
  progress(`${server}: redis-benchmark -t set,get -c 16 -P ${pipeline} -n ${requests}`);
  const { stdout, cpu } = await runClient(
    net,
    ["redis-benchmark", "-h", SERVER, "-p", "6379", "-t", "set,get", "-c", "16"].concat([
      "-P",
      String(pipeline),
      "-n",
      String(requests),
      "-q",
    ]),
    300_000,
  );
  const rates = parseRedisBenchmark(stdout);
  if (rates.SET === undefined || rates.GET === undefined) throw new Error(`redis-benchmark said:\n${stdout}`);
  kvRuns.push({ server, pipeline, clients: 16, requestsPerSecond: rates, clientCpu: cpu });
}

async function wrk(net: Network, server: string): Promise<void> {
  progress(`${server}: wrk -t 1 -c 16 -d ${wrkSeconds}s`);
  const { stdout, cpu } = await runClient(
    net,
    ["wrk", "-t", "1", "-c", "16", "-d", `${wrkSeconds}s`, `http://${SERVER}/`],
    (wrkSeconds + 60) * 1000,
  );
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!rate) throw new Error(`wrk said:\n${stdout}`);
  httpRuns.push({
    server,
    connections: 16,
    requestsPerSecond: Number(rate[1]),
    socketErrors: /Socket errors:.*/.exec(stdout)?.[0] ?? null,
    clientCpu: cpu,
  });
}

const sluiceServer = (app: string, port: number, impl: "native" | "ts" = "native") =>
  sluiceRunArgv(app, port, xdpServerFlags(SERVER), ["--impl", impl, "--proto", "tcp"]);

const net = await createBenchNetwork();
const nginxDir = mkdtempSync(join(tmpdir(), "sluice-bench-nginx-"));
try {
  // Kernel servers first, while the server's kernel owns its address.
  const redis = await startServer(
    net,
    "server",
    ["taskset", "-c", "0", "redis-server", ...redisServerArgs(SERVER, 6379, nginxDir)],
    /Ready to accept connections/,
  );
  for (const pipeline of [1, 16]) await redisBenchmark(net, "redis-server (kernel)", pipeline);
  await redis.stop();

  const nginxConf = writeNginxConfig(nginxDir, SERVER, 80);
  const nginx = await startNginx(
    net,
    ["taskset", "-c", "0", "nginx", "-c", nginxConf, "-p", nginxDir],
    `http://${SERVER}/`,
  );
  await wrk(net, "nginx, 1 worker (kernel)");
  await nginx.stop();

  // The same kv and http code on --backend kernel (epoll): separates the protocol's cost from the stack's.
  const kernelApp = (app: string, port: number) =>
    sluiceRunArgv(app, port, kernelServerFlags(SERVER), ["--proto", "tcp", "--no-busy-poll"]);
  const kvKernel = await startServer(net, "server", kernelApp("kv", 6379), /^ready /m);
  for (const pipeline of [1, 16]) await redisBenchmark(net, "sluice kv (kernel backend)", pipeline);
  await kvKernel.stop();
  const httpKernel = await startServer(net, "server", kernelApp("http", 80), /^ready /m);
  await wrk(net, "sluice http (kernel backend)");
  await httpKernel.stop();

  // Then Sluice owns the server's address: the server kernel must not answer ARP for it.
  await net.exec("server", ["ip", "addr", "flush", "dev", "eth0"]);
  const kv = await startServer(net, "server", sluiceServer("kv", 6379), /^ready /m);
  for (const pipeline of [1, 16]) await redisBenchmark(net, "sluice kv (AF_XDP)", pipeline);
  await kv.stop();

  const http = await startServer(net, "server", sluiceServer("http", 80), /^ready /m);
  await wrk(net, "sluice http (AF_XDP)");
  await http.stop();

  // The same protocols carried by TypeScript on the queue API (--impl ts).
  const kvTs = await startServer(net, "server", sluiceServer("kv", 6379, "ts"), /^ready /m);
  for (const pipeline of [1, 16]) await redisBenchmark(net, "sluice kv --impl ts (AF_XDP)", pipeline);
  await kvTs.stop();
  const httpTs = await startServer(net, "server", sluiceServer("http", 80, "ts"), /^ready /m);
  await wrk(net, "sluice http --impl ts (AF_XDP)");
  await httpTs.stop();
} finally {
  await net.destroy();
  rmSync(nginxDir, { recursive: true, force: true });
}

const kvRate = (server: string, pipeline: number) => {
  const run = kvRuns.find((r) => r.server.startsWith(server) && r.pipeline === pipeline);
  return run ? ((run.requestsPerSecond.SET ?? 0) + (run.requestsPerSecond.GET ?? 0)) / 2 : undefined;
};
const httpRate = (server: string) => httpRuns.find((r) => r.server.startsWith(server))?.requestsPerSecond;
const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : null);
const ratios = {
  kvSetGetP1SluiceOverRedis: ratio(kvRate("sluice kv (AF_XDP)", 1), kvRate("redis", 1)),
  kvSetGetP16SluiceOverRedis: ratio(kvRate("sluice kv (AF_XDP)", 16), kvRate("redis", 16)),
  httpSluiceOverNginx: ratio(httpRate("sluice http (AF_XDP)"), httpRate("nginx")),
  // (e) the same app on xdp vs on the kernel backend
  kvSetGetP1XdpOverKernelBackend: ratio(kvRate("sluice kv (AF_XDP)", 1), kvRate("sluice kv (kernel", 1)),
  kvSetGetP16XdpOverKernelBackend: ratio(kvRate("sluice kv (AF_XDP)", 16), kvRate("sluice kv (kernel", 16)),
  httpXdpOverKernelBackend: ratio(httpRate("sluice http (AF_XDP)"), httpRate("sluice http (kernel")),
  // the TypeScript carriers over the native ones (comparison, no target)
  kvSetGetP1TsOverNative: ratio(kvRate("sluice kv --impl ts", 1), kvRate("sluice kv (AF_XDP)", 1)),
  kvSetGetP16TsOverNative: ratio(kvRate("sluice kv --impl ts", 16), kvRate("sluice kv (AF_XDP)", 16)),
  httpTsOverNative: ratio(httpRate("sluice http --impl ts"), httpRate("sluice http (AF_XDP)")),
};
const targets = {
  kvSetGetP1SluiceOverRedis: ">= 1.5",
  kvSetGetP16SluiceOverRedis: ">= 1.0",
  httpSluiceOverNginx: ">= 2.0",
};
// One row per measurement, for the report (bench/src/report/script-module.ts): a rate column each.
const runs = requestRateRows(kvRuns, httpRuns);
const file = writeResults("kv-http", {
  runs,
  bench: "kv-http",
  date: new Date().toISOString(),
  machine: machine(),
  settings: { requestsP1, requestsP16, wrkSeconds, quick },
  kv: kvRuns,
  http: httpRuns,
  ratios,
  targets,
});
console.log(JSON.stringify({ kv: kvRuns, http: httpRuns, ratios, targets }, null, 2));
progress(`results written to ${file}`);
