// kv and http on one veth pair, in one run, against their kernel baselines (issue 5, c and d):
//   (c) Sluice kv over AF_XDP vs redis-server on the kernel, both driven by redis-benchmark from the
//       peer namespace, SET and GET at -P 1 -c 16 and at -P 16 -c 16;
//   (d) Sluice http over AF_XDP vs nginx (one worker, access log off) under wrk -c 16;
//   (e) the same kv and http on --backend kernel (epoll), to tell the stack's share from the app's.
// Servers on CPU 0, clients on CPU 1. Writes results/kv-http-*.json with the ratios and targets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork, type Network } from "@sluice/netns";
import {
  type HttpRun,
  type KvRun,
  redisBenchmark as redisBench,
  redisServerArgs,
  startNginx as startNginxIn,
  writeNginxConfig,
  wrk as wrkLoad,
} from "./app-loads.js";
import { machine, progress, sluiceBin, startServer, writeResults } from "./harness.js";

const SERVER = "198.18.0.1";
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const requestsP1 = quick ? 50_000 : 200_000;
const requestsP16 = quick ? 200_000 : 1_000_000;
const wrkSeconds = quick ? 3 : 10;

const kvRuns: KvRun[] = [];
const httpRuns: HttpRun[] = [];
const target = { ip: SERVER, port: 6379 };
const redisBenchmark = async (net: Network, server: string, pipeline: number) => {
  kvRuns.push(await redisBench(net, target, server, pipeline, pipeline === 1 ? requestsP1 : requestsP16));
};
const wrk = async (net: Network, server: string) => {
  httpRuns.push(await wrkLoad(net, `http://${SERVER}/`, server, wrkSeconds));
};
/** nginx with one worker and no master, serving a fixed body like Sluice's http app. */
const startNginx = (net: Network, dir: string) =>
  startNginxIn(
    net,
    ["taskset", "-c", "0", "nginx", "-c", writeNginxConfig(dir, SERVER, 80), "-p", dir],
    `http://${SERVER}/`,
  );

const sluiceServer = (app: string, port: number) => [
  process.execPath,
  sluiceBin,
  "run",
  app,
  "--proto",
  "tcp",
  "--backend",
  "xdp",
  "--iface",
  "eth0",
  "--ip",
  `${SERVER}/24`,
  "--port",
  String(port),
  "--core",
  "0",
];

const net = await createNetwork({ hosts: ["server", "client"] });
const nginxDir = mkdtempSync(join(tmpdir(), "sluice-bench-nginx-"));
try {
  for (const host of ["server", "client"]) await net.setOffloads(host, { tx: false, tso: false, gso: false });

  // Kernel servers first, while the server's kernel owns its address.
  const redis = await startServer(
    net,
    "server",
    ["taskset", "-c", "0", "redis-server", ...redisServerArgs(SERVER, 6379, nginxDir)],
    /Ready to accept connections/,
  );
  for (const pipeline of [1, 16]) await redisBenchmark(net, "redis-server (kernel)", pipeline);
  await redis.stop();

  const nginx = await startNginx(net, nginxDir);
  await wrk(net, "nginx, 1 worker (kernel)");
  await nginx.stop();

  // The same kv and http code on --backend kernel (epoll): separates the protocol's cost from the stack's.
  const kernelApp = (app: string, port: number) => [
    process.execPath,
    sluiceBin,
    "run",
    app,
    "--proto",
    "tcp",
    "--backend",
    "kernel",
    "--ip",
    `${SERVER}/24`,
    "--port",
    String(port),
    "--core",
    "0",
    "--no-busy-poll",
  ];
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
};
const targets = {
  kvSetGetP1SluiceOverRedis: ">= 1.5",
  kvSetGetP16SluiceOverRedis: ">= 1.0",
  httpSluiceOverNginx: ">= 2.0",
};
// One row per measurement, for the report (bench/src/report/script-module.ts): a rate column each.
const runs = [
  ...kvRuns.flatMap((r) =>
    Object.entries(r.requestsPerSecond).map(([test, rate]) => ({
      server: r.server,
      load: `redis-benchmark ${test} -P ${r.pipeline} -c ${r.clients}`,
      requestsPerSecond: rate,
    })),
  ),
  ...httpRuns.map((r) => ({
    server: r.server,
    load: `wrk -c ${r.connections}`,
    requestsPerSecond: r.requestsPerSecond,
  })),
];
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
