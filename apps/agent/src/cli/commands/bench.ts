// `sluice bench udp-echo|tcp-echo|tcp-stream`: load clients on a Sluice backend or on kernel sockets
// (--backend kernel, the baseline). Each prints one JSON line: round trips per second and RTT
// percentiles, or bulk throughput.
import { runEchoBench } from "@sluice/libos";
import type { Command } from "commander";
import { addInstanceOptions, type InstanceFlags } from "../instance-options.js";
import { parseEndpoint, parseIntegerFlag, parsePositiveNumberFlag } from "../options.js";
import { clientPlace, rttMicros } from "./bench-common.js";
import { registerTcpBenchCommands } from "./bench-tcp.js";

interface EchoBenchFlags extends InstanceFlags {
  target: string;
  window: number;
  size: number;
  duration: number;
  warmup: number;
}

export function registerBenchCommand(program: Command): void {
  const bench = program.command("bench").description("load clients that measure Sluice and kernel servers");
  const udpEcho = bench.command("udp-echo").description("keep --window requests in flight to a UDP echo server");
  addInstanceOptions(udpEcho)
    .requiredOption("--target <ip:port>", "echo server to load")
    .option("--window <n>", "requests in flight", parseIntegerFlag("--window", 1, 4096), 1)
    .option("--size <bytes>", "payload bytes per request (16-1472)", parseIntegerFlag("--size", 16, 1472), 64)
    .option("--duration <seconds>", "measured time", parsePositiveNumberFlag("--duration"), 5)
    .option("--warmup <seconds>", "unmeasured time first (ARP, caches)", parsePositiveNumberFlag("--warmup"), 0.5)
    .action(async (flags: EchoBenchFlags) => {
      const target = parseEndpoint("--target", flags.target);
      const result = await runEchoBench(clientPlace(flags), {
        target,
        window: flags.window,
        size: flags.size,
        durationSeconds: flags.duration,
        warmupSeconds: flags.warmup,
      });
      console.log(
        JSON.stringify({
          bench: "udp-echo",
          backend: flags.backend,
          target: flags.target,
          window: flags.window,
          size: flags.size,
          duration_s: result.seconds,
          round_trips: result.roundTrips,
          round_trips_per_s: Math.round(result.roundTrips / result.seconds),
          rtt_us: rttMicros(result.rttNanos),
          sent: result.sent,
          lost: result.lost,
          unexpected: result.unexpected,
        }),
      );
    });
  registerTcpBenchCommands(bench);
}
