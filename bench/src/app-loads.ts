// The real-client loads and real servers of accelerate.ts: redis-benchmark and wrk from the client
// host pinned to CPU 1, redis-server and nginx (one worker, no master, access log off) configured as
// kv-http.ts configures them. (kv-http.ts keeps its own copies, which also measure the client's CPU;
// folding the two together is left for a later change.)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Network } from "@sluice/netns";
import { progress } from "./harness.js";

export interface KvRun {
  server: string;
  pipeline: number;
  clients: number;
  requestsPerSecond: Record<string, number>;
}
export interface HttpRun {
  server: string;
  connections: number;
  requestsPerSecond: number;
  socketErrors: string | null;
}

export function parseRedisBenchmark(output: string): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const line of output.split(/[\r\n]+/)) {
    const match = /^([A-Z_]+(?: \(.*\))?): ([\d.]+) requests per second/.exec(line.trim());
    if (match) rates[match[1]!] = Number(match[2]);
  }
  return rates;
}

/** redis-benchmark SET and GET at -c 16 -P pipeline from the "client" host. */
export async function redisBenchmark(
  net: Network,
  target: { ip: string; port: number },
  server: string,
  pipeline: number,
  requests: number,
): Promise<KvRun> {
  progress(`${server}: redis-benchmark -t set,get -c 16 -P ${pipeline} -n ${requests}`);
  const out = await net.exec(
    "client",
    ["taskset", "-c", "1", "redis-benchmark", "-h", target.ip, "-p", String(target.port), "-t", "set,get"].concat([
      "-c",
      "16",
      "-P",
      String(pipeline),
      "-n",
      String(requests),
      "-q",
    ]),
    { timeoutMs: 300_000 },
  );
  const rates = parseRedisBenchmark(out.stdout);
  if (rates.SET === undefined || rates.GET === undefined)
    throw new Error(`redis-benchmark said:\n${out.stdout}${out.stderr}`);
  return { server, pipeline, clients: 16, requestsPerSecond: rates };
}

/** wrk -t 1 -c 16 against `url` from the "client" host. */
export async function wrk(net: Network, url: string, server: string, seconds: number): Promise<HttpRun> {
  progress(`${server}: wrk -t 1 -c 16 -d ${seconds}s`);
  const out = await net.exec("client", ["taskset", "-c", "1", "wrk", "-t", "1", "-c", "16", "-d", `${seconds}s`, url], {
    timeoutMs: (seconds + 60) * 1000,
  });
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout);
  if (!rate) throw new Error(`wrk said:\n${out.stdout}${out.stderr}`);
  return {
    server,
    connections: 16,
    requestsPerSecond: Number(rate[1]),
    socketErrors: /Socket errors:.*/.exec(out.stdout)?.[0] ?? null,
  };
}

/** redis-server's arguments: no persistence (so no fork), reachable from the peer. */
export function redisServerArgs(ip: string, port: number, dir: string): string[] {
  return ["--bind", ip, "--port", String(port), "--save", "", "--appendonly", "no"].concat([
    "--protected-mode",
    "no",
    "--daemonize",
    "no",
    "--dir",
    dir,
  ]);
}

/** Writes dir/nginx.conf: one worker, no master, serving a fixed body on ip:port. Its path. */
export function writeNginxConfig(dir: string, ip: string, port: number): string {
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    [
      "daemon off;",
      "master_process off;",
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      "  keepalive_requests 1000000;",
      `  client_body_temp_path ${dir}/body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      `  server { listen ${ip}:${port}; location / { default_type text/plain; return 200 "Hello from Sluice\\n"; } }`,
      "}",
      "",
    ].join("\n"),
  );
  return conf;
}

/** Runs argv (an nginx command line) in the "server" host until curl from "client" gets a 200. */
export async function startNginx(net: Network, argv: string[], url: string) {
  const child = net.spawn("server", argv);
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  for (let attempt = 0; ; attempt += 1) {
    const probe = await net.exec("client", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url], {
      check: false,
    });
    if (probe.stdout === "200") break;
    if (attempt === 100 || child.exitCode !== null) throw new Error(`nginx did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    async stop() {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGQUIT");
      await exited;
    },
  };
}

/** One report row per measured rate (bench/src/report/script-module.ts): each redis-benchmark test, each wrk run. */
export function requestRateRows(
  kvRuns: readonly { server: string; pipeline: number; clients: number; requestsPerSecond: Record<string, number> }[],
  httpRuns: readonly { server: string; connections: number; requestsPerSecond: number }[],
): { server: string; load: string; requestsPerSecond: number }[] {
  return [
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
}
