export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./cli/exit-codes.js";
export { buildProgram, main } from "./cli/main.js";
export { AgentDaemon, type AgentOptions, JoinRefusedError, NotJoinedError } from "./daemon/agent-daemon.js";
export { type NodeCredential, readCredential } from "./daemon/credential.js";
export { formatCpuList, parseCpuList } from "./inventory/cpu-list.js";
export { type InventorySources, type NodeInventory, readNodeInventory } from "./inventory/node.js";
export { renderExposition } from "./metrics/exposition.js";
export { parseExposition } from "./metrics/parse-exposition.js";
export { type DesiredInstance, type NodeResources, nodeResources } from "./reconcile/desired.js";
export { type ActionResult, applyPlan, specFactory } from "./reconcile/execute.js";
export { type Action, type Plan, planReconcile } from "./reconcile/plan.js";
export { type CounterTotals, counterTotals, statsFilePath } from "./stats/instance-counters.js";
export { type BackoffPolicy, DEFAULT_BACKOFF } from "./supervisor/backoff.js";
export { type InstanceSpec, programSpec, sluiceAppSpec } from "./supervisor/spec.js";
export { defaultStateDir, type InstanceRecord, type InstanceState, StateStore } from "./supervisor/state-store.js";
export {
  type AdoptionResult,
  Supervisor,
  type SupervisorOptions,
  UnknownInstanceError,
} from "./supervisor/supervisor.js";
