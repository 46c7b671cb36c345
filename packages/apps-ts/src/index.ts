export { type EchoCounters, type RunningEcho, startEcho } from "./echo.js";

/** The apps this package implements, for `sluice run APP --impl ts`. */
export const TS_APPS = ["echo"] as const;
