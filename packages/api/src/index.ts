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
export { ROLLOUT_LEADER_LOCK, type TickReport, tickRollouts } from "./rollouts/driver.js";
export { type AppRouter, appRouter, createCaller } from "./router.js";
export { hashPassword, verifyPassword } from "./security/passwords.js";
