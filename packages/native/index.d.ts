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
export interface RunningQueuesHandle {
  readonly devices: RunningAppHandle["device"][];
  /** Stops every instance; one counter report per instance, in the order they were given. */
  stop(): Record<string, Record<string, number>>[];
}

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

/** One LibOS instance (addon/libos_binding.cpp). qtokens are bigint; addresses host-order uint32 + port. */
export interface NativeLibos {
  backend(): string;
  socket(type: number): number;
  bind(qd: number, ip: number, port: number): void;
  listen(qd: number, backlog: number): void;
  closeQueue(qd: number): void;
  setsockopt(qd: number, level: number, name: number, value: number | string): void;
  getsockopt(qd: number, level: number, name: number): number | string;
  getsockname(qd: number): { ip: number; port: number };
  getpeername(qd: number): { ip: number; port: number };
  accept(qd: number): bigint;
  connect(qd: number, ip: number, port: number): bigint;
  pop(qd: number): bigint;
  /** Zero-copy when `bytes` starts a LibOS buffer, else copied. */
  push(qd: number, bytes: Uint8Array): bigint;
  pushto(qd: number, bytes: Uint8Array, ip: number, port: number): bigint;
  sgaAlloc(size: number): ArrayBuffer;
  release(buffer: ArrayBuffer): void;
  /** One poll, then the ready results: 8 numbers each (opcode, qd, slot, generation, ret, a, b, c). */
  harvest(budget: number, waitNs: number, results: Float64Array, buffers: (ArrayBuffer | null)[]): number;
  waitFd(): number;
  nextTimeoutMs(): number;
  /** Calls `onReadable` once when the wait descriptor is readable; keepAlive holds the process open. */
  watch(onReadable: () => void, keepAlive: boolean): void;
  unwatch(): void;
  /** The LibOS's counters: copies and zero-copy frames (see @sluice/libos LibosCounters). */
  counters(): NativeLibosCounters;
  close(): void;
}

/** kv (RESP2) or http answering request bytes for a TypeScript carrier (addon/service_binding.cpp). */
export interface NativeRequestService {
  /** The longest request a connection must be able to buffer. */
  maxRequest(): number;
  /** Connection `id` (0..connections-1) starts; its protocol state is reset. */
  opened(id: number): void;
  /** Connection `id` ended; `oversized` when the carrier gave up on a full buffer. */
  closed(id: number, oversized: boolean): void;
  /**
   * Answers the complete requests at the front of `input` into `out` (all of `out` is the room).
   * Returns the next wait: 0 more input, 1 more output room, 2 close; `exchange[0]` is set to the
   * bytes consumed and `exchange[1]` to the bytes written.
   */
  handle(id: number, input: Uint8Array, out: Uint8Array): 0 | 1 | 2;
  counters(): Record<string, Record<string, number>>;
}

export interface NativeRequestServiceOptions {
  connections: number;
  kvMaxKeys?: number;
  kvMaxMemoryMiB?: number;
}

export interface NativeLibosCounters {
  polls: number;
  completions: number;
  udpPushesZeroCopy: number;
  udpPushesCopied: number;
  udpPopsZeroCopy: number;
  udpPopsCopied: number;
  frameBudgetFallbacks: number;
  framesHeld: number;
  frameBudget: number;
}

export interface LibosConstants {
  SOCK_STREAM: number;
  SOCK_DGRAM: number;
  SOL_SOCKET: number;
  IPPROTO_TCP: number;
  SO_KEEPALIVE: number;
  SO_LINGER: number;
  SO_REUSEADDR: number;
  SO_SNDBUF: number;
  SO_RCVBUF: number;
  TCP_NODELAY: number;
  TCP_CONGESTION: number;
}

export interface NativeBinding {
  NativeLibos: new (config: string) => NativeLibos;
  NativeRequestService: new (
    libos: NativeLibos,
    app: "kv" | "http",
    options: NativeRequestServiceOptions,
    exchange: Uint32Array,
  ) => NativeRequestService;
  libosConstants: LibosConstants;
  startApp(instance: object, app: object): RunningAppHandle;
  /** One shared-nothing instance per element of `instances` (each its own queue and core). */
  startAppOnQueues(instances: object[], app: object): RunningQueuesHandle;
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
