// Loads for echo servers on AF_XDP for benchmarks that compare two echo servers side by
// side (ts-echo; the same loads as capi-overhead): a UDP round-trip load from `sluice bench udp-echo` on a kernel
// socket, and a byte-checked TCP bulk echo (the tests' Node fixture, 4 connections). Both run in the
// client namespace on CPU 1; the server runs on CPU 0.
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";
import { progress, sluiceBench } from "./harness.js";

export interface EchoRun {
  server: string;
  load: string;
  window: number;
  roundTripsPerSecond: number;
  /** Round-trip percentiles; null for the bulk TCP load, which measures throughput only. */
  p50Us: number | null;
  p99Us: number | null;
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
