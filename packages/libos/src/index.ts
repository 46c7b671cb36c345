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
  runTcpEchoBench,
  runTcpStreamBench,
  type StackBackend,
  startKernelApp,
  startNativeApp,
  type TcpEchoBenchConfig,
  type TcpEchoBenchResult,
  type TcpStreamBenchConfig,
  type TcpStreamBenchResult,
} from "./native-apps.js";
export { type InstanceStats, readInstanceStats } from "./stats.js";
