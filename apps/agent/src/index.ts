export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./cli/exit-codes.js";
export { buildProgram, main } from "./cli/main.js";
export { formatCpuList, parseCpuList } from "./inventory/cpu-list.js";
export { type InventorySources, type NodeInventory, readNodeInventory } from "./inventory/node.js";
