export * from "./audit.js";
export * from "./auth.js";
export * from "./fleet.js";
export * from "./live.js";
export * from "./rollouts.js";
export * from "./workloads.js";
