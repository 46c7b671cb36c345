export { type EchoCounters, type RunningEcho, startEcho } from "./echo.js";
export { type RequestServerOptions, type RunningRequestServer, startRequestServer } from "./request-server.js";

/** The apps this package implements, for `sluice run APP --impl ts`. */
export const TS_APPS = ["echo", "kv", "http"] as const;
