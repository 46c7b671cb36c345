// `sluice run APP`: one app on one stack instance in the foreground. Contract: prints
// `ready APP PROTO A.B.C.D:P backend=NAME` (with `--queues`: ` queues=N` appended) once serving; stops within 1 s on SIGINT/SIGTERM, prints
// its counters, and releases the device; exit 2 for usage errors, 1 when the device cannot be opened.
import {
  type AppConfig,
  type InstanceConfig,
  LibosError,
  startKernelApp,
  startNativeApp,
  startNativeAppOnQueues,
} from "@sluice/libos";
import { type Command, Option } from "commander";
import { UsageError } from "../exit-codes.js";
import { addInstanceOptions, addQueueOptions, type InstanceFlags, instanceConfigsFrom } from "../instance-options.js";
import { parseChoice, parseCidr, parseIntegerFlag } from "../options.js";
import { installSteering } from "../steering.js";
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
  steer?: boolean;
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

interface Started {
  running: { stop(): unknown };
  address: string;
  /** Instances started by --queues; absent for the single-instance forms. */
  queues?: number;
}

function start(app: (typeof APPS)[number], flags: RunFlags): Started {
  if (flags.steer && (flags.impl === "ts" || flags.backend !== "xdp")) {
    throw new UsageError("--steer applies to native apps on --backend xdp (a kernel interface)");
  }
  if (flags.impl === "ts") {
    if (flags.queues !== undefined) throw new UsageError("--queues runs native apps only (not --impl ts)");
    const running = startTsApp(app, flags);
    return { running, address: running.address };
  }
  const instances = instanceConfigsFrom(flags);
  const kvLimits = { kvMaxKeys: flags.kvMaxKeys, kvMaxMemoryMiB: flags.kvMaxMemory };
  if (!instances) {
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
  const appConfig = { app, proto: flags.proto, port: flags.port, ...kvLimits };
  const [first] = instances as [InstanceConfig];
  if (flags.steer) {
    const steering = installSteering({
      iface: first.iface,
      proto: flags.proto,
      ip: first.ip,
      port: flags.port,
      queues: instances.map((instance) => instance.queue),
    });
    try {
      const started = startOnQueues(flags, instances, appConfig);
      const stop = () => {
        try {
          return started.running.stop();
        } finally {
          steering.remove();
        }
      };
      return { ...started, running: { stop } };
    } catch (error) {
      steering.remove();
      throw error;
    }
  }
  return startOnQueues(flags, instances, appConfig);
}

function startOnQueues(flags: RunFlags, instances: InstanceConfig[], appConfig: AppConfig): Started {
  const [first] = instances as [InstanceConfig];
  if (flags.queues !== undefined) {
    const running = startNativeAppOnQueues(instances, appConfig);
    // One line for every queue's counters: the sums as usual, and each queue's own under "queues".
    const stop = () => {
      const { total, queues } = running.stop();
      return { ...total, queues };
    };
    return { running: { stop }, address: first.ip, queues: instances.length };
  }
  return { running: startNativeApp(first, appConfig), address: first.ip };
}

export function registerRunCommand(program: Command): void {
  const run = program
    .command("run")
    .description("run an app on a Sluice stack instance in the foreground")
    .argument("<app>", `app to run: ${APPS.join(", ")}`, parseChoice("app", APPS));
  addQueueOptions(addInstanceOptions(run))
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
    .option("--steer", "install ntuple rules (ethtool -N) that keep --port on the app's queues; removed at stop")
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
      // Existing parsers match the prefix; a multi-queue app only appends how many instances serve.
      const queues = started.queues !== undefined ? ` queues=${started.queues}` : "";
      console.log(`ready ${app} ${flags.proto} ${started.address}:${flags.port} backend=${flags.backend}${queues}`);
      await stopSignal;
      const counters = started.running.stop();
      console.log(`counters ${JSON.stringify(counters)}`);
    });
}
