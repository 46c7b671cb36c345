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

export interface NativeBinding {
  probeBackends(): BackendSupport[];
  versions(): NativeVersions;
  internetChecksum(bytes: Uint8Array): number;
}

export const addonPath: string;
export function loadNative(): NativeBinding;
