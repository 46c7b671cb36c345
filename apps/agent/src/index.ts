export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./cli/exit-codes.js";
export { buildProgram, main } from "./cli/main.js";
export { type HostSummary, parseCpuList, readHostSummary } from "./inventory/host.js";
