// UDP echo on one veth pair, in one run: Sluice over AF_XDP against the kernel (sockperf's server and
// a recvmmsg/sendmmsg echo), measured by sockperf ping-pong (a real client) and by the Sluice echo
// client at window 1 and 64. Server on CPU 0, client on CPU 1. Writes results/udp-echo-*.json.
import { createNetwork, type Network } from "@sluice/netns";
import { machine, progress, sluiceBin, startServer, writeResults } from "./harness.js";
import { parseSockperfReport } from "./sockperf.js";

const SERVER = "198.18.0.1";
const CLIENT = "198.18.0.2";
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const seconds = quick ? 2 : 5;
const size = 64;

interface Run {
  name: string;
  server: string;
  client: string;
  window: number;
  roundTripsPerSecond: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
}

const runs: Run[] = [];

async function sockperfPingPong(net: Network, name: string, server: string, port: number): Promise<void> {
  progress(`${name}: sockperf ping-pong for ${seconds}s`);
  const out = await net.exec(
    "client",
    [
      "taskset",
      "-c",
      "1",
      "sockperf",
      "ping-pong",
      "-i",
      SERVER,
      "-p",
      String(port),
      "-t",
      String(seconds),
      "-m",
      String(size),
      "--full-rtt",
    ],
    {
      timeoutMs: (seconds + 30) * 1000,
    },
  );
  const report = parseSockperfReport(out.stdout);
  runs.push({
    name,
    server,
    client: "sockperf (kernel)",
    window: 1,
    roundTripsPerSecond: Math.round(report.received / report.seconds),
    p50Us: report.p50,
    p99Us: report.p99,
    p999Us: report.p999,
  });
}

async function sluiceClient(
  net: Network,
  name: string,
  server: string,
  clientFlags: string[],
  window: number,
): Promise<void> {
  progress(`${name}: sluice bench udp-echo, window ${window}, ${seconds}s`);
  const out = await net.exec(
    "client",
    [
      process.execPath,
      sluiceBin,
      "bench",
      "udp-echo",
      "--target",
      `${SERVER}:7`,
      "--window",
      String(window),
      "--size",
      String(size),
      "--duration",
      String(seconds),
      "--core",
      "1",
      ...clientFlags,
    ],
    { timeoutMs: (seconds + 30) * 1000 },
  );
  const result = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
  const client =
    clientFlags[1] === "kernel"
      ? `sluice bench (kernel socket${clientFlags.includes("--no-busy-poll") ? ", blocking" : ""})`
      : "sluice bench (Sluice/AF_XDP)";
  runs.push({
    name,
    server,
    client,
    window,
    roundTripsPerSecond: result.round_trips_per_s,
    p50Us: result.rtt_us.p50,
    p99Us: result.rtt_us.p99,
    p999Us: result.rtt_us.p999,
  });
}

const kernelClient = ["--backend", "kernel"];
const sluiceClientFlags = ["--backend", "xdp", "--iface", "eth0", "--ip", `${CLIENT}/24`];
const sluiceServer = (app: string, port: number) => [
  process.execPath,
  sluiceBin,
  "run",
  app,
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
try {
  for (const host of ["server", "client"]) await net.setOffloads(host, { tx: false, tso: false, gso: false });

  // Kernel servers first, while the kernels own their addresses.
  let server = await startServer(
    net,
    "server",
    ["taskset", "-c", "0", "sockperf", "server", "-i", SERVER, "-p", "11111"],
    /Waiting|IP = /,
  );
  await sockperfPingPong(net, "kernel pair (sockperf)", "sockperf server (kernel)", 11111);
  await server.stop();

  // The kernel pair as applications normally run it (blocking), and at its fastest (both spinning).
  const kernelModes = [
    ["kernel pair", "--no-busy-poll"],
    ["kernel pair, busy-poll", "--busy-poll"],
  ] as const;
  for (const [name, pollFlag] of kernelModes) {
    const echo = ["run", "echo", "--backend", "kernel", "--ip", `${SERVER}/24`, "--port", "7", "--core", "0", pollFlag];
    server = await startServer(net, "server", [process.execPath, sluiceBin, ...echo], /^ready /m);
    for (const window of [1, 64]) {
      await sluiceClient(
        net,
        name,
        `recvmmsg echo (kernel, ${pollFlag.slice(2)})`,
        [...kernelClient, pollFlag],
        window,
      );
    }
    await server.stop();
  }

  // Then Sluice owns the server's address: the server kernel must not answer ARP for it.
  await net.exec("server", ["ip", "addr", "flush", "dev", "eth0"]);
  server = await startServer(net, "server", sluiceServer("sockperf", 11111), /^ready /m);
  await sockperfPingPong(net, "Sluice server, kernel client (sockperf)", "sluice sockperf (AF_XDP)", 11111);
  await server.stop();

  server = await startServer(net, "server", sluiceServer("echo", 7), /^ready /m);
  for (const window of [1, 64])
    await sluiceClient(net, "Sluice server, kernel client", "sluice echo (AF_XDP)", kernelClient, window);
  await net.exec("client", ["ip", "addr", "flush", "dev", "eth0"]);
  for (const window of [1, 64])
    await sluiceClient(net, "Sluice pair", "sluice echo (AF_XDP)", sluiceClientFlags, window);
  await server.stop();
} finally {
  await net.destroy();
}

const find = (name: string, window: number) => runs.find((r) => r.name === name && r.window === window);
const kernel1 = find("kernel pair", 1);
const kernel64 = find("kernel pair", 64);
const sluice1 = find("Sluice pair", 1);
const sluice64 = find("Sluice pair", 64);
const spinning1 = find("kernel pair, busy-poll", 1);
const spinning64 = find("kernel pair, busy-poll", 64);
const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : null);
const ratios = {
  p50RttSluicePairOverKernelPair: ratio(sluice1?.p50Us, kernel1?.p50Us),
  echoesPerSecondWindow64SluicePairOverKernelPair: ratio(sluice64?.roundTripsPerSecond, kernel64?.roundTripsPerSecond),
  p50RttSluicePairOverBusyPollKernelPair: ratio(sluice1?.p50Us, spinning1?.p50Us),
  echoesPerSecondWindow64SluicePairOverBusyPollKernelPair: ratio(
    sluice64?.roundTripsPerSecond,
    spinning64?.roundTripsPerSecond,
  ),
};
const targets = { p50RttSluicePairOverKernelPair: "<= 0.3", echoesPerSecondWindow64SluicePairOverKernelPair: ">= 1.7" };
const file = writeResults("udp-echo", {
  bench: "udp-echo",
  date: new Date().toISOString(),
  machine: machine(),
  seconds,
  size,
  runs,
  ratios,
  targets,
});

console.log("| pair | server | client | window | round trips/s | p50 µs | p99 µs | p99.9 µs |");
console.log("|---|---|---|---:|---:|---:|---:|---:|");
for (const r of runs)
  console.log(
    `| ${r.name} | ${r.server} | ${r.client} | ${r.window} | ${r.roundTripsPerSecond} | ${r.p50Us} | ${r.p99Us} | ${r.p999Us} |`,
  );
console.log(
  `\nSluice pair / kernel pair: p50 RTT ${ratios.p50RttSluicePairOverKernelPair?.toFixed(2)} (target ${targets.p50RttSluicePairOverKernelPair}), echoes/s at window 64 ${ratios.echoesPerSecondWindow64SluicePairOverKernelPair?.toFixed(2)} (target ${targets.echoesPerSecondWindow64SluicePairOverKernelPair})`,
);
console.log(`results: ${file}`);
console.log(
  `Sluice pair / busy-polling kernel pair: p50 RTT ${ratios.p50RttSluicePairOverBusyPollKernelPair?.toFixed(2)}, echoes/s at window 64 ${ratios.echoesPerSecondWindow64SluicePairOverBusyPollKernelPair?.toFixed(2)}`,
);
