/** The raw addon surface. Prefer @sluice/libos, which wraps it with types and errors. */
export interface BackendSupport {
  backend: "xdp" | "tap" | "kernel";
  usable: boolean;
  /** Empty when usable; otherwise the failing step and the kernel's error text. */
  reason: string;
}

export interface NativeVersions {
  libbpf: string;
  libxdp: string;
  liburing: string;
  napi: number;
}

/** Shapes are validated and documented in @sluice/libos (native-apps.ts); the binding checks them again. */
export interface RunningAppHandle {
  readonly device: {
    backend: string;
    name: string;
    queue: number;
    mtu: number;
    mac: string;
    mode: string;
  };
  stop(): Record<string, Record<string, number>>;
}

export interface NativeBinding {
  startApp(instance: object, app: object): RunningAppHandle;
  startKernelApp(app: object): RunningAppHandle;
  runEchoBench(
    instance: object,
    config: object,
  ): Promise<{
    roundTrips: number;
    sent: number;
    lost: number;
    unexpected: number;
    seconds: number;
    rttNanos: { p50: number; p99: number; p999: number; max: number };
  }>;
  runTcpEchoBench(
    instance: object,
    config: object,
  ): Promise<{
    roundTrips: number;
    sent: number;
    seconds: number;
    connections: number;
    failed: number;
    rttNanos: { p50: number; p99: number; p999: number; max: number };
  }>;
  runTcpStreamBench(
    instance: object,
    config: object,
  ): Promise<{ bytesSent: number; bytesReceived: number; firstMismatch: number; seconds: number; sendSeconds: number }>;
  probeBackends(): BackendSupport[];
  versions(): NativeVersions;
  internetChecksum(bytes: Uint8Array): number;
}

export const addonPath: string;
export function loadNative(): NativeBinding;

/** Absolute path of libsluice_preload.so in the release build (it may not be built yet). */
export const preloadLibraryPath: string;
