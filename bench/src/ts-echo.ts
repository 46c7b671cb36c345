// Benchmark (b) of issue 5: the TypeScript echo (`sluice run echo --impl ts`, @sluice/apps-ts on
// the @sluice/libos queue API) against the native echo (`--impl native`) on the same AF_XDP backend,
// both pinned to CPU 0, in one run. Loads from echo-loads.ts (UDP windows 1 and 64, TCP bulk).
// Writes results/ts-echo-*.json with ratios ts/native (target: round trips/s >= 0.7).
import { type EchoRun, printRuns, tcpLoad, udpLoad } from "./echo-loads.js";
import { createBenchNetwork, machine, sluiceRunArgv, startServer, writeResults, xdpServerFlags } from "./harness.js";

const SERVER = "198.18.0.1";
const PORT = 7;
const quick = process.argv.includes("--quick");
const seconds = quick ? 2 : 5;
const size = 64;
const tcpBytes = (quick ? 4 : 16) * 1024 * 1024;
const target = { ip: SERVER, port: PORT };
const runs: EchoRun[] = [];

const echo = (impl: "native" | "ts", proto: "udp" | "tcp") =>
  sluiceRunArgv("echo", PORT, xdpServerFlags(SERVER), ["--impl", impl, "--proto", proto]);

const net = await createBenchNetwork();
try {
  await net.exec("server", ["ip", "addr", "flush", "dev", "eth0"]);
  for (const impl of ["native", "ts"] as const) {
    let server = await startServer(net, "server", echo(impl, "udp"), /^ready /m);
    for (const window of [1, 64]) runs.push(await udpLoad(net, target, impl, window, seconds, size));
    await server.stop();
    server = await startServer(net, "server", echo(impl, "tcp"), /^ready /m);
    runs.push(await tcpLoad(net, target, impl, tcpBytes));
    await server.stop();
  }
} finally {
  await net.destroy();
}

const ratio = (load: string, window: number) => {
  const pick = (server: string) =>
    runs.find((r) => r.server === server && r.load.startsWith(load) && r.window === window);
  const native = pick("native");
  const ts = pick("ts");
  return native && ts ? ts.roundTripsPerSecond / native.roundTripsPerSecond : null;
};
const ratios = {
  udpWindow1TsOverNative: ratio("udp", 1),
  udpWindow64TsOverNative: ratio("udp", 64),
  tcpBulkTsOverNative: ratio("tcp", 4),
};
const goal = ">= 0.7 of native round trips/s";
const file = writeResults("ts-echo", {
  bench: "ts-echo",
  date: new Date().toISOString(),
  machine: machine(),
  seconds,
  size,
  runs,
  ratios,
  target: goal,
});
printRuns(runs);
const show = (x: number | null) => (x === null ? "n/a" : x.toFixed(2));
console.log(
  `\nTypeScript / native echo: UDP w1 ${show(ratios.udpWindow1TsOverNative)}, UDP w64 ${show(ratios.udpWindow64TsOverNative)}, TCP bulk ${show(ratios.tcpBulkTsOverNative)} (target ${goal})`,
);
console.log(`results: ${file}`);
