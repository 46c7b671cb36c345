// Loads for echo servers on AF_XDP for benchmarks that compare two echo servers side by
// side (ts-echo; the same loads as capi-overhead): a UDP round-trip load from `sluice bench udp-echo` on a kernel
// socket, and a byte-checked TCP bulk echo (the tests' Node fixture, 4 connections). Both run in the
// client namespace on CPU 1; the server runs on CPU 0.
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";
import { progress, sluiceBench, sluiceBin } from "./harness.js";

export interface EchoRun {
  server: string;
  load: string;
  window: number;
  roundTripsPerSecond: number;
  /** Round-trip percentiles; null for the bulk TCP load, which measures throughput only. */
  p50Us: number | null;
  p99Us: number | null;
  /** Connections that were refused, reset or timed out (TCP echo loads), reported rather than hidden. */
  failedConnections?: number;
}

export interface Target {
  ip: string;
  port: number;
}

export async function udpLoad(
  net: Network,
  target: Target,
  server: string,
  window: number,
  seconds: number,
  size: number,
): Promise<EchoRun> {
  progress(`${server}: UDP echo, kernel client, window ${window}, ${seconds}s`);
  const result = await sluiceBench(
    net,
    "udp-echo",
    [
      "--target",
      `${target.ip}:${target.port}`,
      "--backend",
      "kernel",
      "--busy-poll",
      "--window",
      String(window),
    ].concat(["--size", String(size), "--duration", String(seconds)]),
    (seconds + 30) * 1000,
  );
  return {
    server,
    load: "udp (sluice bench, kernel client)",
    window,
    roundTripsPerSecond: result.round_trips_per_s,
    p50Us: result.rtt_us.p50,
    p99Us: result.rtt_us.p99,
  };
}

// sockperf's TCP client wants a sockperf server (it checks a flag the server sets), so TCP is
// measured as a bulk echo: the tests' Node fixture streams bytes on 4 connections and checks them.
const tcpFixture = fileURLToPath(new URL("../../test/src/fixtures/tcp-exchange.mjs", import.meta.url));

export async function tcpLoad(net: Network, target: Target, server: string, bytes: number): Promise<EchoRun> {
  progress(`${server}: TCP bulk echo, 4 connections x ${bytes} bytes`);
  const started = process.hrtime.bigint();
  const out = await net.exec(
    "client",
    ["taskset", "-c", "1", process.execPath, tcpFixture, target.ip, String(target.port), "4", String(bytes)],
    { timeoutMs: 300_000 },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = JSON.parse(out.stdout.trim());
  if (result.equal !== 4) throw new Error(`TCP echo was not byte-exact: ${out.stdout}`);
  return {
    server,
    load: "tcp (bulk echo, Node client, MiB/s echoed)",
    window: 4,
    roundTripsPerSecond: Math.round((4 * bytes) / 2 ** 20 / seconds),
    p50Us: null,
    p99Us: null,
  };
}

export function printRuns(runs: readonly EchoRun[]): void {
  console.log("| server | load | window | round trips/s | p50 µs | p99 µs |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const r of runs)
    console.log(
      `| ${r.server} | ${r.load} | ${r.window} | ${r.roundTripsPerSecond} | ${r.p50Us ?? "-"} | ${r.p99Us ?? "-"} |`,
    );
}

/**
 * UDP round trips over `flows` flows at once: one `sluice bench udp-echo` kernel client per flow
 * (each its own socket, so its own source port and flow hash), unpinned and blocking so they share
 * the cores with the server fairly. Round trips/s is the sum; p50/p99 are the worst flow's.
 */
export async function udpFlowsLoad(
  net: Network,
  target: Target,
  server: string,
  flows: number,
  window: number,
  seconds: number,
  size: number,
): Promise<EchoRun> {
  progress(`${server}: UDP echo, ${flows} kernel clients (one flow each), window ${window}, ${seconds}s`);
  const client = (): Promise<{ round_trips_per_s: number; rtt_us: { p50: number; p99: number } }> =>
    net
      .exec(
        "client",
        [
          process.execPath,
          sluiceBin,
          "bench",
          "udp-echo",
          "--target",
          `${target.ip}:${target.port}`,
          "--backend",
          "kernel",
          "--no-busy-poll",
          "--window",
          String(window),
          "--size",
          String(size),
          "--duration",
          String(seconds),
        ],
        { timeoutMs: (seconds + 60) * 1000 },
      )
      .then((out) => JSON.parse(out.stdout.trim().split("\n").at(-1)!));
  const results = await Promise.all(Array.from({ length: flows }, client));
  return {
    server,
    load: `udp (${flows} flows, sluice bench, kernel clients)`,
    window,
    roundTripsPerSecond: Math.round(results.reduce((sum, r) => sum + r.round_trips_per_s, 0)),
    p50Us: Math.max(...results.map((r) => r.rtt_us.p50)),
    p99Us: Math.max(...results.map((r) => r.rtt_us.p99)),
  };
}

/** `sluice bench tcp-echo` on kernel sockets: `connections` connections, `window` messages in flight on each. */
export async function tcpEchoLoad(
  net: Network,
  target: Target,
  server: string,
  connections: number,
  window: number,
  seconds: number,
  size: number,
): Promise<EchoRun> {
  progress(`${server}: TCP echo, kernel client, ${connections} connections, window ${window}, ${seconds}s`);
  const out = await net.exec(
    "client",
    [
      process.execPath,
      sluiceBin,
      "bench",
      "tcp-echo",
      "--target",
      `${target.ip}:${target.port}`,
      "--backend",
      "kernel",
      "--no-busy-poll",
      "--connections",
      String(connections),
      "--window",
      String(window),
      "--size",
      String(size),
      "--duration",
      String(seconds),
    ],
    // Exit 1 when a connection failed: the JSON line still says how many, and the run is kept with that count.
    { timeoutMs: (seconds + 60) * 1000, check: false },
  );
  const line = out.stdout.trim().split("\n").at(-1);
  if (!line?.startsWith("{")) throw new Error(`TCP echo load failed: ${out.stderr.trim()}`);
  const result = JSON.parse(line);
  return {
    server,
    load: `tcp (${connections} connections, sluice bench, kernel client)`,
    window,
    roundTripsPerSecond: result.round_trips_per_s,
    p50Us: result.rtt_us.p50,
    p99Us: result.rtt_us.p99,
    failedConnections: result.failed,
  };
}
