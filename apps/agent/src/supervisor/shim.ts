// The per-instance shim: `node shim.js INSTANCE_DIR`. It runs in its own session, starts the app
// from launch.json, writes the app's stdout and stderr to the rotating log, and reports events as
// JSON lines on its stdout. It outlives the agent that started it, so a restarted agent can adopt
// the app; when the app exits it writes exit.json (code, signal) for whoever watches then.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RotatingLog } from "./rotating-log.js";
import { type ExitFile, type LaunchFile, writeJsonAtomic } from "./state-store.js";

export type ShimEvent =
  | { event: "started"; pid: number }
  | { event: "ready"; line: string }
  | { event: "log-error"; message: string; droppedBytes: number }
  | { event: "log-ok" }
  | { event: "exit"; code: number | null; signal: string | null; error?: string };

const instanceDir = process.argv[2];
if (!instanceDir) {
  console.error("usage: shim INSTANCE_DIR");
  process.exit(2);
}
const launch = JSON.parse(readFileSync(join(instanceDir, "launch.json"), "utf8")) as LaunchFile;

// The agent may be gone; reports then go nowhere, and that must not stop the shim.
process.stdout.on("error", () => {});
const report = (event: ShimEvent) => {
  try {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  } catch {
    // the agent is gone
  }
};
// Signals are for the app; the agent signals it directly, and the shim follows it out.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => {});

const log = new RotatingLog(launch.logFile, launch.logPolicy);
let lastFailure: string | undefined;
let lastReportAt = 0;
const writeLog = (chunk: Buffer) => {
  const failure = log.write(chunk);
  const now = Date.now();
  if (failure && (failure.message !== lastFailure || now - lastReportAt > 1000)) {
    report({ event: "log-error", message: failure.message, droppedBytes: failure.droppedBytes });
    lastFailure = failure.message;
    lastReportAt = now;
  } else if (!failure && lastFailure !== undefined) {
    report({ event: "log-ok" });
    lastFailure = undefined;
  }
};

let finished = false;
const finish = (exit: Omit<ExitFile, "at">) => {
  if (finished) return;
  finished = true;
  log.close();
  writeJsonAtomic(join(instanceDir, "exit.json"), { ...exit, at: new Date().toISOString() });
  report({ event: "exit", ...exit });
  process.exitCode = 0;
  // Let the last report drain to the agent, then go.
  setImmediate(() => process.exit(0));
};

const [command, ...args] = launch.argv;
const child = spawn(command!, args, { stdio: ["ignore", "pipe", "pipe"] });
child.on("error", (error) => finish({ code: null, signal: null, error: `cannot start ${command}: ${error.message}` }));
child.on("spawn", () => report({ event: "started", pid: child.pid! }));

let pending = "";
let ready = launch.readyPrefix === undefined;
child.stdout.on("data", (chunk: Buffer) => {
  writeLog(chunk);
  if (ready) return;
  pending += chunk.toString("utf8");
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  const line = lines.find((l) => l.startsWith(launch.readyPrefix!));
  if (line !== undefined) {
    ready = true;
    report({ event: "ready", line });
  }
});
child.stderr.on("data", writeLog);
child.on("close", (code, signal) => finish({ code, signal }));
