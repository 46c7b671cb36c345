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
