// UDP echo on one veth pair, in one run: Sluice over AF_XDP against the kernel (sockperf's server and
// a recvmmsg/sendmmsg echo), measured by sockperf ping-pong (a real client) and by the Sluice echo
// client at window 1 and 64. Server on CPU 0, client on CPU 1. A module of `npm run bench`.
import type { Network } from "@sluice/netns";
import {
  createBenchNetwork,
  kernelServerFlags,
  sluiceBench,
  sluiceRunArgv,
  startServer,
  startSluiceServer,
  xdpServerFlags,
} from "./harness.js";
import type { BenchContext, BenchModule, BenchResult } from "./report/types.js";
import { parseSockperfReport } from "./sockperf.js";

const SERVER = "198.18.0.1";
const CLIENT = "198.18.0.2";
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
  /** [percentile, µs] points for the CDF: all of sockperf's percentiles, or the Sluice client's four. */
  points: Array<[number, number]>;
}

async function measure({ quick, progress }: BenchContext): Promise<BenchResult> {
  const seconds = quick ? 2 : 5;
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
      points: report.points,
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
    const result = await sluiceBench(
      net,
      "udp-echo",
      [
        "--target",
        `${SERVER}:7`,
        "--window",
        String(window),
        "--size",
        String(size),
        "--duration",
        String(seconds),
      ].concat(clientFlags),
      (seconds + 30) * 1000,
    );
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
      points: [
        [50, result.rtt_us.p50],
        [99, result.rtt_us.p99],
        [99.9, result.rtt_us.p999],
        [100, result.rtt_us.max],
      ],
    });
  }

  const kernelClient = ["--backend", "kernel"];
  const sluiceClientFlags = ["--backend", "xdp", "--iface", "eth0", "--ip", `${CLIENT}/24`];
  const sluiceServer = (app: string, port: number) => sluiceRunArgv(app, port, xdpServerFlags(SERVER));

  const net = await createBenchNetwork();
  try {
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
      server = await startSluiceServer(net, "echo", 7, kernelServerFlags(SERVER), [pollFlag]);
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
    echoesPerSecondWindow64SluicePairOverKernelPair: ratio(
      sluice64?.roundTripsPerSecond,
      kernel64?.roundTripsPerSecond,
    ),
    p50RttSluicePairOverBusyPollKernelPair: ratio(sluice1?.p50Us, spinning1?.p50Us),
    echoesPerSecondWindow64SluicePairOverBusyPollKernelPair: ratio(
      sluice64?.roundTripsPerSecond,
      spinning64?.roundTripsPerSecond,
    ),
  };
  const table = (r: Run) => [r.name, r.server, r.client, r.window, r.roundTripsPerSecond, r.p50Us, r.p99Us, r.p999Us];
  const label = (r: Run) => `${r.name}, window ${r.window}`;
  return {
    tables: [
      {
        title: "Round trips",
        columns: ["pair", "server", "client", "window", "round trips/s", "p50 µs", "p99 µs", "p99.9 µs"],
        rows: runs.map(table),
      },
      {
        title: "Ratios (Sluice pair over each kernel pair; busy-poll has no target)",
        columns: ["ratio", "value"],
        rows: Object.entries(ratios).map(([name, value]) => [name, value === null ? null : Number(value.toFixed(3))]),
      },
    ],
    latency: [
      {
        title: "UDP echo RTT at window 1 (sockperf: all its percentiles; Sluice client: p50, p99, p99.9, max)",
        unit: "µs",
        series: runs
          .filter((r) => r.window === 1)
          .map((r) => ({
            name: r.name,
            points: r.points,
          })),
      },
    ],
    throughput: [
      {
        title: "UDP echoes per second at window 64",
        unit: "/s",
        bars: runs.filter((r) => r.window === 64).map((r) => ({ name: label(r), value: r.roundTripsPerSecond })),
      },
    ],
    targets: [
      {
        metric: "p50RttSluicePairOverKernelPair",
        value: ratios.p50RttSluicePairOverKernelPair,
        comparison: "<=",
        bound: 0.3,
      },
      {
        metric: "echoesPerSecondWindow64SluicePairOverKernelPair",
        value: ratios.echoesPerSecondWindow64SluicePairOverKernelPair,
        comparison: ">=",
        bound: 1.7,
      },
    ],
    settings: { seconds, payloadBytes: size },
  };
}

const udpEcho: BenchModule = {
  name: "udp-echo",
  title: "UDP echo: Sluice over AF_XDP against kernel sockets",
  run: measure,
};
export default udpEcho;
