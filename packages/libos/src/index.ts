export { LibosError, type LibosErrorCode } from "./errors.js";
export { type BackendSupport, internetChecksum, type NativeVersions, nativeVersions, probeBackends } from "./host.js";
export {
  type AppConfig,
  type Backend,
  type CounterGroups,
  type DeviceDescription,
  type EchoBenchConfig,
  type EchoBenchResult,
  type InstanceConfig,
  type KernelAppConfig,
  type KernelClientConfig,
  type NativeAppName,
  type RunningApp,
  runEchoBench,
  type StackBackend,
  startKernelApp,
  startNativeApp,
} from "./native-apps.js";
export {
  type Address,
  acceptConnections,
  Connection,
  connect,
  createServer,
  type DriverOptions,
  Libos,
  type LibosConfig,
  type Opcode,
  type QResult,
  type QToken,
  type Server,
  type SocketOption,
  type WaitOptions,
} from "./queue/index.js";
export { type InstanceStats, readInstanceStats } from "./stats.js";
