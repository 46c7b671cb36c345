export { LibosError, type LibosErrorCode } from "./errors.js";
export { type BackendSupport, internetChecksum, type NativeVersions, nativeVersions, probeBackends } from "./host.js";
