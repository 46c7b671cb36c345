// The flags every command that runs a stack instance shares (run, bench), and their translation into
// an InstanceConfig. Validation happens here so mistakes exit 2 before any device is touched.
import type { Backend, InstanceConfig } from "@sluice/libos";
import { type Command, Option } from "commander";
import { parseCpuList } from "../inventory/cpu-list.js";
import { UsageError } from "./exit-codes.js";
import { checkInterface, parseChoice, parseCidr, parseIntegerFlag, parseIpv4, parseMac } from "./options.js";

export const BACKENDS = ["xdp", "dpdk", "tap", "kernel"] as const;

export interface InstanceFlags {
  backend: Backend;
  iface?: string;
  queue: number;
  core?: number;
  /** `--queues 0-1`: one shared-nothing instance per queue (run only). */
  queues?: number[];
  /** `--cores 0,1`: the core of each of `queues`, in order. */
  cores?: number[];
  ip?: string;
  gateway?: string;
  mac?: string;
  busyPoll: boolean;
  pcap?: string;
  statsFile?: string;
  fault?: string;
  xdpMode: "auto" | "drv" | "skb";
  rxChecksum: "verify" | "accept-partial" | "skip";
  dpdkVdev?: string;
  /** Absent unless given, so the kernel backend can refuse them and Sluice apply its defaults. */
  tcpConnections?: number;
  tcpBuffer?: number;
}

/** A list like "0-3,8" for --queues/--cores: distinct values up to 4095, in the order written. */
export function parseIndexList(flag: string) {
  return (text: string): number[] => {
    let values: number[];
    try {
      values = parseCpuList(text);
    } catch {
      throw new UsageError(`${flag} must be a list like 0-3,8, got "${text}"`);
    }
    if (values.length === 0) throw new UsageError(`${flag} must name at least one, got "${text}"`);
    const tooBig = values.find((value) => value > 4095);
    if (tooBig !== undefined) throw new UsageError(`${flag}: ${tooBig} is above 4095`);
    const repeated = values.find((value, index) => values.indexOf(value) !== index);
    if (repeated !== undefined) throw new UsageError(`${flag} names ${repeated} twice`);
    return values;
  };
}

/** Adds --queues/--cores (the multi-queue form of --queue/--core) to a command that serves. */
export function addQueueOptions(command: Command): Command {
  return command
    .option(
      "--queues <list>",
      "serve on these device queues, one pinned shared-nothing instance each (e.g. 0-1)",
      parseIndexList("--queues"),
    )
    .option("--cores <list>", "the core of each of --queues, in order (e.g. 0,1)", parseIndexList("--cores"));
}

/** One instance per queue for `--queues`; the single instance of --queue/--core otherwise. */
export function instanceConfigsFrom(flags: InstanceFlags): InstanceConfig[] | undefined {
  const single = instanceConfigFrom(flags);
  if (flags.queues === undefined) {
    if (flags.cores !== undefined) throw new UsageError("--cores goes with --queues (use --core with --queue)");
    return single && [single];
  }
  if (!single) throw new UsageError(`--queues needs a Sluice backend (xdp, dpdk, tap), not ${flags.backend}`);
  if (flags.queue !== 0 || flags.core !== undefined) {
    throw new UsageError("--queues and --cores replace --queue and --core; give one form only");
  }
  if (flags.pcap !== undefined && flags.queues.length > 1) {
    // Each instance would open and overwrite the same capture.
    throw new UsageError("--pcap captures one instance: give it with --queue, or with a single --queues entry");
  }
  const cores = flags.cores;
  if (cores !== undefined && cores.length !== flags.queues.length) {
    throw new UsageError(
      `--cores names ${cores.length} core(s) for ${flags.queues.length} queue(s); give one per queue`,
    );
  }
  return flags.queues.map((queue, index) => ({ ...single, queue, core: cores?.[index] }));
}

export function addInstanceOptions(command: Command): Command {
  return (
    command
      .addOption(
        new Option("--backend <name>", "device backend (kernel = Linux sockets, for baselines)")
          .argParser(parseChoice("--backend", BACKENDS))
          .makeOptionMandatory(),
      )
      .option("--iface <name>", "network interface (or PCI address for dpdk)")
      .option("--queue <n>", "device queue", parseIntegerFlag("--queue", 0, 4095), 0)
      .option("--core <n>", "CPU core to pin the data-path thread to", parseIntegerFlag("--core", 0, 4095))
      .option("--ip <cidr>", "this instance's address, A.B.C.D/LEN")
      .option("--gateway <ip>", "default gateway", (text: string) => parseIpv4("--gateway", text))
      .option("--mac <mac>", "MAC address (default: the device's)", parseMac)
      .option("--busy-poll", "spin on the device (default)", true)
      .option("--no-busy-poll", "sleep on the device when idle")
      .option("--pcap <file>", "write every received and sent frame to a pcap file")
      .option("--stats-file <file>", "publish counters to this file for the agent (10 times a second)")
      .option("--fault <spec>", "inject faults both ways: drop=P,dup=P,reorder=P,corrupt=P,seed=N")
      .addOption(
        new Option("--xdp-mode <mode>", "AF_XDP attach mode")
          .argParser(parseChoice("--xdp-mode", ["auto", "drv", "skb"] as const))
          .default("auto"),
      )
      .addOption(
        new Option("--rx-checksum <policy>", "receive checksum policy")
          .argParser(parseChoice("--rx-checksum", ["verify", "accept-partial", "skip"] as const))
          .default("verify"),
      )
      .option("--dpdk-vdev <spec>", "DPDK virtual device (default: net_af_xdp on --iface)")
      // TCP memory is sized once per instance: connections * 2 * buffer bytes (32 MiB by default).
      .option(
        "--tcp-connections <n>",
        "TCP connection slots, each with its own buffers (default: 64)",
        parseIntegerFlag("--tcp-connections", 1, 65535),
      )
      .option(
        "--tcp-buffer <bytes>",
        "TCP send and receive buffer per connection (default: 262144)",
        parseIntegerFlag("--tcp-buffer", 2048, 1 << 30),
      )
  );
}

/** The stack instance a command asked for, or undefined for the kernel backend. */
export function instanceConfigFrom(flags: InstanceFlags): InstanceConfig | undefined {
  if (flags.backend === "kernel") {
    // Kernel sockets size their own memory (net.ipv4.tcp_rmem/wmem); silently ignoring the TCP
    // sizing flags would make a baseline look configured when it is not.
    const sluiceOnly = {
      pcap: "--pcap",
      fault: "--fault",
      mac: "--mac",
      gateway: "--gateway",
      statsFile: "--stats-file",
      tcpConnections: "--tcp-connections",
      tcpBuffer: "--tcp-buffer",
    } as const;
    for (const [flag, name] of Object.entries(sluiceOnly) as [keyof typeof sluiceOnly, string][]) {
      if (flags[flag] !== undefined)
        throw new UsageError(`${name} needs a Sluice backend (xdp, dpdk, tap), not kernel`);
    }
    return undefined;
  }
  if (!flags.iface) throw new UsageError(`--iface is required with --backend ${flags.backend}`);
  if (!flags.ip) throw new UsageError(`--ip is required with --backend ${flags.backend}`);
  checkInterface(flags.iface, flags.backend);
  const { address, prefixLength } = parseCidr(flags.ip);
  return {
    backend: flags.backend,
    iface: flags.iface,
    queue: flags.queue,
    core: flags.core,
    ip: address,
    prefixLength,
    gateway: flags.gateway,
    mac: flags.mac,
    busyPoll: flags.busyPoll,
    pcap: flags.pcap,
    statsFile: flags.statsFile,
    fault: flags.fault,
    xdpMode: flags.xdpMode,
    rxChecksum: flags.rxChecksum,
    dpdkVdev: flags.dpdkVdev,
    tcpConnections: flags.tcpConnections,
    tcpBuffer: flags.tcpBuffer,
  };
}
