// TCP on one veth pair, in one run, Sluice (AF_XDP) against the Linux kernel:
//   (a) echo RTT p50/p99 at one message in flight: sockperf ping-pong --tcp (kernel client) against
//       the kernel's and Sluice's sockperf servers, and `sluice bench tcp-echo` with Sluice or kernel
//       sockets on both ends;
//   (b) echoes/s with 16 connections, one message in flight on each;
//   (c) bulk throughput: Sluice client to Sluice sink (`sluice bench tcp-stream`) against iperf3
//       kernel to kernel with offloads off and on;
// plus the Sluice sink's CPU time per received segment (both ends sleeping when idle, so CPU time
// is work, not spinning) and its hottest symbols from a perf software-clock profile.
// Servers on CPU 0, clients on CPU 1. Writes results/tcp-*.json with ratios against the targets.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Network } from "@sluice/netns";
import {
  createBenchNetwork,
  kernelServerFlags,
  machine,
  progress,
  sluiceBench,
  sluiceRunArgv,
  startServer,
  startSluiceServer,
  writeResults,
  xdpServerFlags,
} from "./harness.js";
import { parseSockperfReport } from "./sockperf.js";
import { cpuSecondsFromStat, parseIperf3Json, parsePerfReport } from "./tcp-measure.js";

const SERVER = "198.18.0.1";
const CLIENT = "198.18.0.2";
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const seconds = quick ? 2 : 5;
const bulkBytes = (quick ? 256 : 1024) * 1024 * 1024;
const size = 64;
// Bulk runs give Sluice's sockets the buffers the kernel's autotuning lets iperf3's grow to
// (net.ipv4.tcp_wmem / tcp_rmem maximum: 4 MiB / 6 MiB by default), so both sides may keep the same
// bandwidth-delay product in flight; read from the namespace and recorded in the results. Four
// connection slots keep the stack's buffer budget (slots x both buffers) at 32 MiB.
const bulkConnections = ["--tcp-connections", "4"];

interface LatencyRun {
  name: string;
  server: string;
  client: string;
  p50Us: number;
  p99Us: number;
  roundTripsPerSecond: number;
}
interface EchoRun {
  name: string;
  connections: number;
  roundTripsPerSecond: number;
  p50Us: number;
  p99Us: number;
}
interface BulkRun {
  name: string;
  offloads: "off" | "on";
  gbitPerSecond: number;
}

const latency: LatencyRun[] = [];
const echoes: EchoRun[] = [];
const bulk: BulkRun[] = [];

async function sockperfTcp(net: Network, name: string, server: string): Promise<void> {
  progress(`${name}: sockperf ping-pong --tcp for ${seconds}s`);
  const out = await net.exec(
    "client",
    ["taskset", "-c", "1", "sockperf", "ping-pong", "--tcp", "-i", SERVER, "-p", "11111", "-t", String(seconds)].concat(
      ["-m", String(size), "--full-rtt"],
    ),
    { timeoutMs: (seconds + 30) * 1000 },
  );
  const report = parseSockperfReport(out.stdout);
  latency.push({
    name,
    server,
    client: "sockperf --tcp (kernel)",
    p50Us: report.p50,
    p99Us: report.p99,
    roundTripsPerSecond: Math.round(report.received / report.seconds),
  });
}

/** `sluice bench tcp-echo` from the client host; records (a) for 1 connection and (b) for 16. */
async function tcpEcho(net: Network, name: string, server: string, clientFlags: string[], connections: number) {
  progress(`${name}: sluice bench tcp-echo, ${connections} connection(s), ${seconds}s`);
  const result = await sluiceBench(
    net,
    "tcp-echo",
    ["--target", `${SERVER}:7`, "--connections", String(connections), "--window", "1", "--size", String(size)].concat([
      "--duration",
      String(seconds),
      ...clientFlags,
    ]),
    (seconds + 60) * 1000,
  );
  const client = clientFlags[1] === "kernel" ? "sluice bench (kernel sockets)" : "sluice bench (Sluice/AF_XDP)";
  const p50Us = result.rtt_us.p50;
  const p99Us = result.rtt_us.p99;
  if (connections === 1) {
    latency.push({ name, server, client, p50Us, p99Us, roundTripsPerSecond: result.round_trips_per_s });
  } else {
    echoes.push({ name, connections, roundTripsPerSecond: result.round_trips_per_s, p50Us, p99Us });
  }
}

async function iperf3(net: Network, offloads: "off" | "on"): Promise<void> {
  progress(`kernel pair: iperf3 with offloads ${offloads} for ${seconds}s`);
  const on = offloads === "on";
  for (const host of ["server", "client"]) await net.setOffloads(host, { tx: on, tso: on, gso: on, gro: on });
  const server = await startServer(
    net,
    "server",
    ["taskset", "-c", "0", "iperf3", "-s", "--forceflush", "-B", SERVER],
    /listening/,
  );
  const out = await net.exec("client", ["taskset", "-c", "1", "iperf3", "-c", SERVER, "-t", String(seconds), "-J"], {
    timeoutMs: (seconds + 30) * 1000,
  });
  await server.stop();
  bulk.push({ name: "kernel pair (iperf3)", offloads, gbitPerSecond: parseIperf3Json(out.stdout).bitsPerSecond / 1e9 });
  for (const host of ["server", "client"]) await net.setOffloads(host, { tx: false, tso: false, gso: false, gro: on });
}

const sluiceServer = (app: string, port: number, extra: string[] = []) =>
  sluiceRunArgv(app, port, xdpServerFlags(SERVER), ["--proto", "tcp", ...extra]);
const kernelClient = ["--backend", "kernel"];
const sluiceClient = ["--backend", "xdp", "--iface", "eth0", "--ip", `${CLIENT}/24`];

let cost: Record<string, unknown> = {};

// The box is shared: the load average says how much the numbers of this run can be trusted.
const loadAtStart = loadavg();
const net = await createBenchNetwork();
try {
  // Kernel pairs first, while the kernels own their addresses.
  let server = await startServer(
    net,
    "server",
    ["taskset", "-c", "0", "sockperf", "server", "--tcp", "-i", SERVER, "-p", "11111"],
    /Waiting|IP = /,
  );
  await sockperfTcp(net, "kernel pair (sockperf)", "sockperf server (kernel)");
  await server.stop();

  for (const [name, pollFlag] of [
    ["kernel pair", "--no-busy-poll"],
    ["kernel pair, busy-poll", "--busy-poll"],
  ] as const) {
    server = await startSluiceServer(net, "echo", 7, kernelServerFlags(SERVER), ["--proto", "tcp", pollFlag]);
    const label = `epoll echo (kernel, ${pollFlag.slice(2)})`;
    for (const connections of [1, 16]) await tcpEcho(net, name, label, [...kernelClient, pollFlag], connections);
    await server.stop();
  }
  await iperf3(net, "off");
  await iperf3(net, "on");

  // Then Sluice owns the server's address: the server kernel must not answer for it.
  await net.exec("server", ["ip", "addr", "flush", "dev", "eth0"]);
  server = await startServer(net, "server", sluiceServer("sockperf", 11111), /^ready /m);
  await sockperfTcp(net, "Sluice server, kernel client (sockperf)", "sluice sockperf (AF_XDP)");
  await server.stop();

  server = await startServer(net, "server", sluiceServer("echo", 7), /^ready /m);
  for (const connections of [1, 16])
    await tcpEcho(net, "Sluice server, kernel client", "sluice echo (AF_XDP)", kernelClient, connections);
  await net.exec("client", ["ip", "addr", "flush", "dev", "eth0"]);
  for (const connections of [1, 16])
    await tcpEcho(net, "Sluice pair", "sluice echo (AF_XDP)", sluiceClient, connections);
  await server.stop();

  const kernelBuffers = (await net.exec("server", ["sysctl", "-n", "net.ipv4.tcp_wmem", "net.ipv4.tcp_rmem"])).stdout
    .trim()
    .split("\n")
    .map((line) => Number(line.trim().split(/\s+/).at(-1)));
  const bulkBuffer = Math.min(...kernelBuffers);
  const bulkFlags = ["--tcp-buffer", String(bulkBuffer), ...bulkConnections];
  const stream = async (extra: string[]) => {
    return sluiceBench(
      net,
      "tcp-stream",
      ["--target", `${SERVER}:9`, "--bytes", String(bulkBytes), ...sluiceClient, ...bulkFlags, ...extra],
      300_000,
    );
  };
  progress(`Sluice pair: sluice bench tcp-stream ${bulkBytes} bytes to sluice sink`);
  server = await startServer(net, "server", sluiceServer("sink", 9, bulkFlags), /^ready /m);
  const spinning = await stream([]);
  bulk.push({ name: "Sluice pair (tcp-stream → sink)", offloads: "off", gbitPerSecond: spinning.throughput_gbit_s });
  await server.stop();

  // CPU per segment: both ends sleep when idle, so the sink's CPU time is the work it did.
  progress("Sluice pair: CPU per segment of the sink (no busy-poll), with a perf profile");
  const sink = net.spawn("server", sluiceServer("sink", 9, [...bulkFlags, "--no-busy-poll"]));
  let sinkOut = "";
  sink.stdout!.on("data", (chunk: Buffer) => {
    sinkOut += chunk.toString();
  });
  while (!/^ready /m.test(sinkOut)) await new Promise((r) => setTimeout(r, 50));
  const statOf = () => cpuSecondsFromStat(readFileSync(`/proc/${sink.pid}/stat`, "utf8"));
  const profileDir = mkdtempSync(join(tmpdir(), "sluice-tcp-perf-"));
  const perfData = join(profileDir, "perf.data");
  const perf = spawn("perf", ["record", "-q", "-e", "cpu-clock", "-F", "2000", "-p", String(sink.pid), "-o", perfData]);
  const cpuBefore = statOf();
  const sleeping = await stream(["--no-busy-poll"]);
  bulk.push({
    name: "Sluice pair (tcp-stream → sink), no busy-poll",
    offloads: "off",
    gbitPerSecond: sleeping.throughput_gbit_s,
  });
  const cpuAfter = statOf();
  const perfDone = new Promise((resolve) => perf.on("exit", resolve));
  perf.kill("SIGINT");
  await perfDone;
  const sinkExited = new Promise((resolve) => sink.on("exit", resolve));
  sink.kill("SIGINT");
  await sinkExited;
  const counters = JSON.parse(/^counters (.*)$/m.exec(sinkOut)?.[1] ?? "{}");
  const segments = (counters.tcp?.rx_segments ?? 0) + (counters.tcp?.tx_segments ?? 0);
  let hottest: { percent: number; symbol: string }[] = [];
  try {
    const report = execFileSync("perf", ["report", "--stdio", "--no-children", "--sort", "symbol", "-i", perfData], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    hottest = parsePerfReport(report);
  } catch (error) {
    progress(`perf report failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  cost = {
    method:
      "sink process CPU time (utime+stime, all threads) over one no-busy-poll bulk transfer, divided by TCP segments received and sent by the sink",
    bytes: bulkBytes,
    socketBufferBytes: bulkBuffer,
    gbitPerSecondNoBusyPoll: sleeping.throughput_gbit_s,
    cpuSeconds: cpuAfter - cpuBefore,
    segmentsReceived: counters.tcp?.rx_segments,
    segmentsSent: counters.tcp?.tx_segments,
    nanosPerSegment: segments > 0 ? Math.round(((cpuAfter - cpuBefore) * 1e9) / segments) : null,
    perfTopSymbols: hottest,
  };
} finally {
  await net.destroy();
}

const find = <T extends { name: string }>(rows: T[], name: string) => rows.find((r) => r.name === name);
const ratio = (a?: number, b?: number) => (a !== undefined && b ? Math.round((a / b) * 1000) / 1000 : null);
const kernelSockperf = find(latency, "kernel pair (sockperf)");
const kernelBench = find(latency, "kernel pair");
const sluicePair = find(latency, "Sluice pair");
const sluiceServerSockperf = find(latency, "Sluice server, kernel client (sockperf)");
const kernelEchoes = find(echoes, "kernel pair");
const spinningKernelEchoes = find(echoes, "kernel pair, busy-poll");
const sluiceEchoes = find(echoes, "Sluice pair");
const iperfOff = bulk.find((b) => b.name.startsWith("kernel") && b.offloads === "off");
const iperfOn = bulk.find((b) => b.name.startsWith("kernel") && b.offloads === "on");
const sluiceBulk = bulk.find((b) => b.name === "Sluice pair (tcp-stream → sink)");
const sluiceBulkSleeping = bulk.find((b) => b.name.endsWith("no busy-poll"));
const ratios = {
  p50RttSluicePairOverKernelPairSockperf: ratio(sluicePair?.p50Us, kernelSockperf?.p50Us),
  p50RttSluicePairOverKernelPairSameClient: ratio(sluicePair?.p50Us, kernelBench?.p50Us),
  p50RttSluiceServerOverKernelServerSockperf: ratio(sluiceServerSockperf?.p50Us, kernelSockperf?.p50Us),
  echoesPerSecond16ConnectionsSluicePairOverKernelPair: ratio(
    sluiceEchoes?.roundTripsPerSecond,
    kernelEchoes?.roundTripsPerSecond,
  ),
  echoesPerSecond16ConnectionsSluicePairOverBusyPollKernelPair: ratio(
    sluiceEchoes?.roundTripsPerSecond,
    spinningKernelEchoes?.roundTripsPerSecond,
  ),
  bulkSluicePairOverIperf3OffloadsOff: ratio(sluiceBulk?.gbitPerSecond, iperfOff?.gbitPerSecond),
  bulkSluicePairOverIperf3OffloadsOn: ratio(sluiceBulk?.gbitPerSecond, iperfOn?.gbitPerSecond),
  bulkSluicePairNoBusyPollOverIperf3OffloadsOff: ratio(sluiceBulkSleeping?.gbitPerSecond, iperfOff?.gbitPerSecond),
};
const targets = {
  p50RttSluicePairOverKernelPairSockperf: "<= 0.3",
  echoesPerSecond16ConnectionsSluicePairOverKernelPair: ">= 2",
  bulkSluicePairOverIperf3OffloadsOff: ">= 1",
};
const file = writeResults("tcp", {
  bench: "tcp",
  date: new Date().toISOString(),
  machine: machine(),
  loadAverage: { start: loadAtStart, end: loadavg() },
  seconds,
  size,
  // One row per measurement for the report (bench/src/report/script-module.ts).
  runs: [
    ...latency.map((r) => ({ kind: "(a) RTT, 1 connection", ...r })),
    ...echoes.map((r) => ({ kind: "(b) echoes, 16 connections", ...r })),
    ...bulk.map((r) => ({ kind: `(c) bulk, offloads ${r.offloads}`, name: r.name, gbitPerSecond: r.gbitPerSecond })),
  ],
  latency,
  echoes,
  bulk,
  cost,
  ratios,
  targets,
});

console.log("| (a) latency | server | client | p50 µs | p99 µs | round trips/s |");
console.log("|---|---|---|---:|---:|---:|");
for (const r of latency)
  console.log(`| ${r.name} | ${r.server} | ${r.client} | ${r.p50Us} | ${r.p99Us} | ${r.roundTripsPerSecond} |`);
console.log("\n| (b) echoes, 16 connections | round trips/s | p50 µs | p99 µs |");
console.log("|---|---:|---:|---:|");
for (const r of echoes) console.log(`| ${r.name} | ${r.roundTripsPerSecond} | ${r.p50Us} | ${r.p99Us} |`);
console.log("\n| (c) bulk | offloads | Gbit/s |");
console.log("|---|---|---:|");
for (const r of bulk) console.log(`| ${r.name} | ${r.offloads} | ${r.gbitPerSecond.toFixed(3)} |`);
console.log(`\nratios: ${JSON.stringify(ratios, null, 2)}\ntargets: ${JSON.stringify(targets)}`);
console.log(`cost: ${JSON.stringify(cost, null, 2)}`);
console.log(
  `load average (1, 5, 15 min) at start ${loadAtStart.map((l) => l.toFixed(1)).join(" ")}, at end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(`results: ${file}`);
