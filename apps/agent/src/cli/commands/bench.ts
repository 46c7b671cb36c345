// `sluice bench udp-echo`: an echo load client on a Sluice backend or on kernel sockets. Prints one
// JSON line with round trips per second and RTT percentiles.
import { runEchoBench } from "@sluice/libos";
import type { Command } from "commander";
import { addInstanceOptions, type InstanceFlags, instanceConfigFrom } from "../instance-options.js";
import { parseEndpoint, parseIntegerFlag, parsePositiveNumberFlag } from "../options.js";

interface EchoBenchFlags extends InstanceFlags {
  target: string;
  window: number;
  size: number;
  duration: number;
  warmup: number;
}

const micros = (nanos: number) => Math.round(nanos / 10) / 100;

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
      const instance = instanceConfigFrom(flags) ?? {
        backend: "kernel" as const,
        busyPoll: flags.busyPoll,
        core: flags.core,
      };
      const result = await runEchoBench(instance, {
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
          rtt_us: {
            p50: micros(result.rttNanos.p50),
            p99: micros(result.rttNanos.p99),
            p999: micros(result.rttNanos.p999),
            max: micros(result.rttNanos.max),
          },
          sent: result.sent,
          lost: result.lost,
          unexpected: result.unexpected,
        }),
      );
    });
}
