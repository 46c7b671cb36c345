// `sluice bench tcp-echo` (connections x window messages in flight, RTT percentiles and throughput)
// and `sluice bench tcp-stream` (one bulk transfer to an echo or sink server, echo checked byte for
// byte). Both print one JSON line; a transfer that fails or comes back wrong exits 1.
import { runTcpEchoBench, runTcpStreamBench } from "@sluice/libos";
import type { Command } from "commander";
import { addInstanceOptions, type InstanceFlags } from "../instance-options.js";
import { parseEndpoint, parseIntegerFlag, parsePositiveNumberFlag } from "../options.js";
import { clientPlace, rttMicros } from "./bench-common.js";

interface TcpEchoFlags extends InstanceFlags {
  target: string;
  connections: number;
  window: number;
  size: number;
  duration: number;
  warmup: number;
}

interface TcpStreamFlags extends InstanceFlags {
  target: string;
  bytes: number;
  timeout: number;
}

const megabits = (bytes: number, seconds: number) => Math.round((bytes * 8) / seconds / 1e4) / 100;

export function registerTcpBenchCommands(bench: Command): void {
  const tcpEcho = bench
    .command("tcp-echo")
    .description("keep --window messages in flight on each of --connections TCP connections to an echo server");
  addInstanceOptions(tcpEcho)
    .requiredOption("--target <ip:port>", "TCP echo server to load")
    .option("--connections <n>", "connections", parseIntegerFlag("--connections", 1, 65535), 1)
    .option("--window <n>", "messages in flight per connection", parseIntegerFlag("--window", 1, 4096), 1)
    .option("--size <bytes>", "bytes per message (16-1048576)", parseIntegerFlag("--size", 16, 1 << 20), 64)
    .option("--duration <seconds>", "measured time", parsePositiveNumberFlag("--duration"), 5)
    .option(
      "--warmup <seconds>",
      "unmeasured time first, after all connections are up",
      parsePositiveNumberFlag("--warmup"),
      0.5,
    )
    .action(async (flags: TcpEchoFlags) => {
      const target = parseEndpoint("--target", flags.target);
      const result = await runTcpEchoBench(clientPlace(flags), {
        target,
        connections: flags.connections,
        window: flags.window,
        size: flags.size,
        durationSeconds: flags.duration,
        warmupSeconds: flags.warmup,
      });
      console.log(
        JSON.stringify({
          bench: "tcp-echo",
          backend: flags.backend,
          target: flags.target,
          connections: result.connections,
          failed: result.failed,
          window: flags.window,
          size: flags.size,
          duration_s: result.seconds,
          round_trips: result.roundTrips,
          round_trips_per_s: Math.round(result.roundTrips / result.seconds),
          // Payload each way; the echo carries as much back.
          throughput_mbit_s: megabits(result.roundTrips * flags.size, result.seconds),
          rtt_us: rttMicros(result.rttNanos),
          sent: result.sent,
        }),
      );
      if (result.failed > 0) throw new Error(`${result.failed} of ${flags.connections} connections failed`);
    });

  const tcpStream = bench
    .command("tcp-stream")
    .description("send --bytes over one TCP connection to an echo or sink server and time it");
  addInstanceOptions(tcpStream)
    .requiredOption("--target <ip:port>", "TCP echo or sink server")
    .requiredOption("--bytes <n>", "bytes to send", parseIntegerFlag("--bytes", 1, Number.MAX_SAFE_INTEGER))
    .option("--timeout <seconds>", "give up after this long", parsePositiveNumberFlag("--timeout"), 600)
    .action(async (flags: TcpStreamFlags) => {
      const target = parseEndpoint("--target", flags.target);
      const result = await runTcpStreamBench(clientPlace(flags), {
        target,
        bytes: flags.bytes,
        timeoutSeconds: flags.timeout,
      });
      const echoed = result.bytesReceived > 0;
      console.log(
        JSON.stringify({
          bench: "tcp-stream",
          backend: flags.backend,
          target: flags.target,
          bytes: flags.bytes,
          bytes_sent: result.bytesSent,
          bytes_received: result.bytesReceived,
          // Against an echo every byte comes back and is compared; against a sink nothing does.
          echo: echoed
            ? result.bytesReceived === result.bytesSent && result.firstMismatch < 0
              ? "exact"
              : "wrong"
            : "none",
          first_mismatch: result.firstMismatch,
          seconds: result.seconds,
          send_seconds: result.sendSeconds,
          throughput_gbit_s: Math.round((megabits(result.bytesSent, result.seconds) / 1000) * 1000) / 1000,
        }),
      );
      if (result.firstMismatch >= 0)
        throw new Error(`the echo differs from what was sent at byte ${result.firstMismatch}`);
      if (echoed && result.bytesReceived !== result.bytesSent)
        throw new Error(`the echo returned ${result.bytesReceived} of ${result.bytesSent} bytes`);
    });
}
