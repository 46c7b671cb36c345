export * from "./agent.js";
export * from "./examples.js";
export * from "./inventory.js";
