export { AgentRuntime, type AgentRuntimeOptions } from "./agents/runtime.js";
export { type AllocationRefusal, AllocationRefusedError } from "./allocation/errors.js";
export { type AllocationRequest, type NodeSnapshot, planAllocation } from "./allocation/plan.js";
export {
  type ArtifactDownload,
  type ArtifactFormat,
  ArtifactTooLargeError,
  DEFAULT_ARTIFACT_LIMIT,
  EmptyArtifactError,
  openArtifactForNode,
  storeArtifact,
} from "./artifacts/store.js";
export * from "./context.js";
export { type BootstrapResult, bootstrapAdmin } from "./fleet/bootstrap.js";
export { applyHeartbeat, markStaleNodesDown } from "./fleet/heartbeat.js";
export { type MaintenanceReport, runMaintenance } from "./fleet/maintenance.js";
export { LiveService, type LiveServiceOptions } from "./live/service.js";
export type { LatestValue, LiveFrame, LiveScope, SeriesWindow } from "./live/store.js";
export { renderMetrics } from "./observability/metrics.js";
export { createLogger, silentTelemetry, Telemetry } from "./observability/telemetry.js";
export { ROLLOUT_LEADER_LOCK, type TickReport, type TrafficSeen, tickRollouts } from "./rollouts/driver.js";
export { type AppRouter, appRouter, createCaller } from "./router.js";
export { hashPassword, verifyPassword } from "./security/passwords.js";
