// Native apps (echo, sockperf server, load clients) run on their own pinned thread inside this
// process; these functions start and stop them and return typed counters.
import { loadNative } from "@sluice/native";
import { callNative, toLibosError } from "./errors.js";

export type StackBackend = "xdp" | "dpdk" | "tap";
export type Backend = StackBackend | "kernel";
export type NativeAppName = "echo" | "sockperf" | "sink" | "kv" | "http";

/** One stack instance: a device queue and the interface configuration on it. */
export interface InstanceConfig {
  backend: StackBackend;
  iface: string;
  queue: number;
  /** CPU to pin the instance's thread to; unpinned when absent. */
  core?: number;
  ip: string;
  prefixLength: number;
  gateway?: string;
  mac?: string;
  busyPoll: boolean;
  /** Write every frame to this pcap file. */
  pcap?: string;
  /** Publish counters to this file ten times a second (read with readInstanceStats). */
  statsFile?: string;
  /** Seeded fault injection in both directions, "drop=P,dup=P,reorder=P,corrupt=P,seed=N". */
  fault?: string;
  xdpMode?: "auto" | "drv" | "skb";
  rxChecksum?: "verify" | "accept-partial" | "skip";
  dpdkVdev?: string;
  dpdkArgs?: string[];
  /** TCP connection slots, each able to hold its own buffers (default 64). */
  tcpConnections?: number;
  /** TCP send and receive buffer per connection in bytes (default 256 KiB). */
  tcpBuffer?: number;
}

export interface AppConfig {
  app: NativeAppName;
  proto: "udp" | "tcp";
  port: number;
  /** kv only: most keys the store holds (default 65536); more are refused with -OOM. */
  kvMaxKeys?: number;
  /** kv only: arena for keys and values in MiB (default 64); writes beyond it get -OOM. */
  kvMaxMemoryMiB?: number;
}

export interface KernelAppConfig extends AppConfig {
  address: string;
  busyPoll: boolean;
  core?: number;
}

export interface DeviceDescription {
  backend: string;
  name: string;
  queue: number;
  mtu: number;
  mac: string;
  mode: string;
}

/** Counters by layer, each a flat record of monotonic numbers. */
export type CounterGroups = Record<string, Record<string, number>>;

export interface RunningApp {
  readonly device: DeviceDescription;
  /** Stops the app's thread, releases the device, and returns the final counters. */
  stop(): CounterGroups;
}

/** A load client on kernel sockets, the baseline side of a benchmark. */
export interface KernelClientConfig {
  backend: "kernel";
  busyPoll: boolean;
  core?: number;
}

export interface EchoBenchConfig {
  target: { address: string; port: number };
  window: number;
  size: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface EchoBenchResult {
  roundTrips: number;
  sent: number;
  lost: number;
  unexpected: number;
  seconds: number;
  rttNanos: { p50: number; p99: number; p999: number; max: number };
}

export function startNativeApp(instance: InstanceConfig, app: AppConfig): RunningApp {
  return callNative(() => loadNative().startApp(instance, app));
}

/** Counters of an app on several queues: the sum, and each queue's own. */
export interface QueueCounterReport {
  total: CounterGroups;
  queues: { queue: number; core?: number; counters: CounterGroups }[];
}

export interface RunningQueues {
  /** One device per instance, in the order the instances were given. */
  readonly devices: DeviceDescription[];
  /** Stops every instance's thread and releases every queue. */
  stop(): QueueCounterReport;
}

/** Adds counters of the same group and name (e.g. the queues of one app). */
export function sumCounterGroups(reports: CounterGroups[]): CounterGroups {
  const total: CounterGroups = {};
  for (const report of reports) {
    for (const [group, values] of Object.entries(report)) {
      total[group] ??= {};
      const sum = total[group];
      for (const [name, value] of Object.entries(values)) sum[name] = (sum[name] ?? 0) + value;
    }
  }
  return total;
}

/**
 * The app on N shared-nothing stack instances, one per element of `instances` (each names its own
 * queue and core; everything else, address and MAC included, is the same). Every device is opened
 * before any instance starts: a queue that cannot be bound fails the whole call and leaves nothing open.
 */
export function startNativeAppOnQueues(instances: InstanceConfig[], app: AppConfig): RunningQueues {
  const handle = callNative(() => loadNative().startAppOnQueues(instances, app));
  return {
    devices: handle.devices,
    stop: () => {
      const reports = callNative(() => handle.stop());
      return {
        total: sumCounterGroups(reports),
        queues: reports.map((counters, index) => ({
          queue: instances[index]!.queue,
          ...(instances[index]!.core !== undefined ? { core: instances[index]!.core } : {}),
          counters,
        })),
      };
    },
  };
}

export function startKernelApp(app: KernelAppConfig): RunningApp {
  return callNative(() => loadNative().startKernelApp(app));
}

export function runEchoBench(
  instance: InstanceConfig | KernelClientConfig,
  config: EchoBenchConfig,
): Promise<EchoBenchResult> {
  return callNative(() => loadNative().runEchoBench(instance, config)).catch((error: unknown) => {
    throw toLibosError(error);
  });
}

export interface TcpEchoBenchConfig {
  target: { address: string; port: number };
  /** Connections opened at the start, each keeping `window` messages in flight. */
  connections: number;
  window: number;
  /** Bytes per message (at least 16: the stamp that times it). */
  size: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface TcpEchoBenchResult {
  roundTrips: number;
  sent: number;
  seconds: number;
  /** Connections established, and those that were refused, reset or timed out. */
  connections: number;
  failed: number;
  rttNanos: { p50: number; p99: number; p999: number; max: number };
}

export interface TcpStreamBenchConfig {
  target: { address: string; port: number };
  bytes: number;
  /** The transfer fails with ETIMEDOUT after this long (default 600 s). */
  timeoutSeconds?: number;
}

export interface TcpStreamBenchResult {
  bytesSent: number;
  /** Bytes echoed back (0 against a sink). */
  bytesReceived: number;
  /** Stream offset of the first echoed byte that differs from what was sent, -1 when none. */
  firstMismatch: number;
  /** From connected until the server's FIN after everything was sent. */
  seconds: number;
  sendSeconds: number;
}

/** Request/response load over TCP connections to an echo server, on a Sluice instance or kernel sockets. */
export function runTcpEchoBench(
  instance: InstanceConfig | KernelClientConfig,
  config: TcpEchoBenchConfig,
): Promise<TcpEchoBenchResult> {
  return callNative(() => loadNative().runTcpEchoBench(instance, config)).catch((error: unknown) => {
    throw toLibosError(error);
  });
}

/** One bulk transfer to an echo or sink server; echoed bytes are checked against what was sent. */
export function runTcpStreamBench(
  instance: InstanceConfig | KernelClientConfig,
  config: TcpStreamBenchConfig,
): Promise<TcpStreamBenchResult> {
  return callNative(() => loadNative().runTcpStreamBench(instance, config)).catch((error: unknown) => {
    throw toLibosError(error);
  });
}
