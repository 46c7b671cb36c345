// `sluice accelerate [--config FILE | instance flags] -- PROGRAM ARGS...`: runs an unmodified program
// with libsluice_preload.so, which moves its IPv4 TCP/UDP sockets onto a Sluice LibOS instance
// (docs/accelerate.md). Contract: the program's exit code (128 + signal number if a signal ended
// it); exit 2 for usage errors, before the program starts. --stats-file F: the library publishes
// the instance's counters to F (SLUICE_STATS_FILE), as `sluice run --stats-file` does.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { InstanceConfig } from "@sluice/libos";
import { preloadLibraryPath } from "@sluice/native";
import type { Command } from "commander";
import { ProgramExit, UsageError } from "../exit-codes.js";
import { addInstanceOptions, type InstanceFlags, instanceConfigFrom } from "../instance-options.js";

interface AccelerateFlags extends Partial<InstanceFlags> {
  config?: string;
}

/** Flags that describe the instance; with --config the file does, so none of them may be given. */
const INSTANCE_FLAGS = ["backend", "iface", "core", "ip", "gateway", "mac", "pcap", "fault", "dpdkVdev"] as const;

/** The LibOS configuration (docs/libos-config.md) of the instance the flags describe. */
export function libosConfigFrom(instance: InstanceConfig): Record<string, unknown> {
  const device: Record<string, unknown> = { busy_poll: instance.busyPoll };
  if (instance.xdpMode) device.xdp_mode = instance.xdpMode;
  if (instance.pcap) device.pcap = instance.pcap;
  if (instance.fault) device.fault = instance.fault;
  if (instance.dpdkVdev) device.dpdk_vdev = instance.dpdkVdev;
  const config: Record<string, unknown> = {
    backend: instance.backend,
    interface: instance.iface,
    queue: instance.queue,
    ipv4: `${instance.ip}/${instance.prefixLength}`,
    device,
  };
  if (instance.core !== undefined) config.core = instance.core;
  if (instance.gateway) config.gateway = instance.gateway;
  if (instance.mac) config.mac = instance.mac;
  if (instance.rxChecksum) config.rx_checksum = instance.rxChecksum;
  const tcp: Record<string, unknown> = {};
  if (instance.tcpConnections !== undefined) tcp.max_connections = instance.tcpConnections;
  if (instance.tcpBuffer !== undefined) tcp.send_buffer = instance.tcpBuffer;
  config.tcp = tcp;
  return config;
}

/** SLUICE_CONFIG for the program: the file named by --config, or JSON built from the flags. */
function sluiceConfig(flags: AccelerateFlags): string {
  if (flags.config !== undefined) {
    const given = INSTANCE_FLAGS.filter((flag) => flags[flag] !== undefined);
    if (given.length > 0) throw new UsageError(`--config and --${given[0]} exclude each other`);
    if (!existsSync(flags.config)) throw new UsageError(`--config ${flags.config}: no such file`);
    return flags.config;
  }
  if (flags.backend === undefined) throw new UsageError("give --config FILE or --backend with the instance flags");
  if (flags.backend === "kernel")
    throw new UsageError("accelerate needs a Sluice backend (xdp, dpdk, tap), not kernel");
  const instance = instanceConfigFrom(flags as InstanceFlags);
  if (!instance) throw new UsageError("accelerate needs a Sluice backend");
  return JSON.stringify(libosConfigFrom(instance));
}

function runProgram(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit", env });
    // The program decides what a signal means; the launcher only passes it on.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", (error) => reject(new UsageError(`cannot run ${argv[0]}: ${error.message}`)));
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}

export function registerAccelerateCommand(program: Command): void {
  const accelerate = program
    .command("accelerate")
    .description("run an unmodified program with its IPv4 sockets on a Sluice stack instance")
    .usage("[--config FILE | --backend NAME --iface NAME --ip CIDR ...] -- PROGRAM [ARGS...]")
    .argument("<program...>", "the program and its arguments (after --)")
    .option("--config <file>", "LibOS configuration file (docs/libos-config.md) instead of instance flags");
  addInstanceOptions(accelerate);
  // With --config the instance comes from the file, so --backend is not mandatory here.
  const backend = accelerate.options.find((option) => option.long === "--backend");
  if (backend) backend.mandatory = false;
  accelerate.action(async (programArgv: string[], flags: AccelerateFlags) => {
    const config = sluiceConfig(flags);
    if (!existsSync(preloadLibraryPath))
      throw new Error(`${preloadLibraryPath} is missing: npm run build -w @sluice/native`);
    const preload = [preloadLibraryPath, process.env.LD_PRELOAD].filter(Boolean).join(" ");
    const env: NodeJS.ProcessEnv = { ...process.env, LD_PRELOAD: preload, SLUICE_CONFIG: config };
    // The library publishes the instance's counters there, as `sluice run --stats-file` does.
    if (flags.statsFile !== undefined) env.SLUICE_STATS_FILE = flags.statsFile;
    const code = await runProgram(programArgv, env);
    throw new ProgramExit(code);
  });
}
