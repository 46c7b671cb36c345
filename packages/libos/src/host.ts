// Facts about this host's data-path support, read through the addon.
import { type BackendSupport, loadNative, type NativeVersions } from "@sluice/native";
import { callNative } from "./errors.js";

export type { BackendSupport, NativeVersions };

/** Which LibOS backends can run here, each with the kernel's reason when it cannot. */
export function probeBackends(): BackendSupport[] {
  return callNative(() => loadNative().probeBackends());
}

export function nativeVersions(): NativeVersions {
  return callNative(() => loadNative().versions());
}

/** The RFC 1071 Internet checksum, computed by the stack's own implementation. */
export function internetChecksum(bytes: Uint8Array): number {
  return callNative(() => loadNative().internetChecksum(bytes));
}
