// `sluice run APP`: one app on one stack instance in the foreground. Contract: prints
// `ready APP PROTO A.B.C.D:P backend=NAME` once serving; stops within 1 s on SIGINT/SIGTERM, prints
// its counters, and releases the device; exit 2 for usage errors, 1 when the device cannot be opened.
import { LibosError, type RunningApp, startKernelApp, startNativeApp } from "@sluice/libos";
import { type Command, Option } from "commander";
import { UsageError } from "../exit-codes.js";
import { addInstanceOptions, type InstanceFlags, instanceConfigFrom } from "../instance-options.js";
import { parseChoice, parseCidr, parseIntegerFlag } from "../options.js";
import { startTsApp } from "../ts-app.js";

// echo and sockperf over udp; echo, sink, sockperf, kv and http over tcp. The native side refuses other pairs (EINVAL).
const APPS = ["echo", "sockperf", "sink", "kv", "http"] as const;
/** errno codes that mean the command line named something that is not there or not valid. */
const USAGE_CODES = new Set(["ENODEV", "EINVAL", "ENOENT"]);

interface RunFlags extends InstanceFlags {
  port: number;
  proto: "udp" | "tcp";
  impl: "native" | "ts";
  kvMaxKeys?: number;
  kvMaxMemory?: number;
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  // Signal listeners and the app's native thread do not keep Node's event loop alive; this does.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      clearInterval(keepAlive);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

function start(app: (typeof APPS)[number], flags: RunFlags): { running: Pick<RunningApp, "stop">; address: string } {
  if (flags.impl === "ts") {
    const running = startTsApp(app, flags);
    return { running, address: running.address };
  }
  const instance = instanceConfigFrom(flags);
  const kvLimits = { kvMaxKeys: flags.kvMaxKeys, kvMaxMemoryMiB: flags.kvMaxMemory };
  if (!instance) {
    const address = flags.ip ? parseCidr(flags.ip).address : "0.0.0.0";
    return {
      running: startKernelApp({
        app,
        proto: flags.proto,
        port: flags.port,
        address,
        busyPoll: flags.busyPoll,
        core: flags.core,
        ...kvLimits,
      }),
      address,
    };
  }
  return {
    running: startNativeApp(instance, { app, proto: flags.proto, port: flags.port, ...kvLimits }),
    address: instance.ip,
  };
}

export function registerRunCommand(program: Command): void {
  const run = program
    .command("run")
    .description("run an app on a Sluice stack instance in the foreground")
    .argument("<app>", `app to run: ${APPS.join(", ")}`, parseChoice("app", APPS));
  addInstanceOptions(run)
    .requiredOption("--port <n>", "port to serve on", parseIntegerFlag("--port", 1, 65535))
    .addOption(
      new Option("--proto <proto>", "transport")
        .argParser(parseChoice("--proto", ["udp", "tcp"] as const))
        .default("udp"),
    )
    .addOption(
      new Option("--impl <impl>", "app implementation")
        .argParser(parseChoice("--impl", ["native", "ts"] as const))
        .default("native"),
    )
    // kv's store is reserved once at start; beyond these bounds writes get -OOM (nothing is evicted).
    .option("--kv-max-keys <n>", "kv: most keys held (default 65536)", parseIntegerFlag("--kv-max-keys", 1, 1 << 28))
    .option(
      "--kv-max-memory <mib>",
      "kv: MiB for keys and values (default 64)",
      parseIntegerFlag("--kv-max-memory", 1, 1 << 20),
    )
    .action(async (app: (typeof APPS)[number], flags: RunFlags) => {
      if ((flags.kvMaxKeys !== undefined || flags.kvMaxMemory !== undefined) && app !== "kv")
        throw new UsageError("--kv-max-keys and --kv-max-memory apply to the kv app only");
      let started: ReturnType<typeof start>;
      try {
        started = start(app, flags);
      } catch (error) {
        if (error instanceof LibosError && USAGE_CODES.has(error.code)) throw new UsageError(error.message);
        throw error;
      }
      const stopSignal = waitForStopSignal();
      console.log(`ready ${app} ${flags.proto} ${started.address}:${flags.port} backend=${flags.backend}`);
      await stopSignal;
      const counters = started.running.stop();
      console.log(`counters ${JSON.stringify(counters)}`);
    });
}
