#!/usr/bin/env node
// `npm start` after setup: starts the control plane and reports this node, then stops everything on Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const host = process.env.SLUICE_WEB_HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);
const children = new Set();

function log(message) {
  console.log(`[sluice] ${message}`);
}

function start(name, command, args, options) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  const prefix = (stream, sink) =>
    stream.setEncoding("utf8").on("data", (text) => {
      for (const line of text.split("\n")) if (line) sink.write(`[${name}] ${line}\n`);
    });
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on("exit", (code, signal) => {
    children.delete(child);
    if (!stopping) {
      log(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping`);
      stop(1);
    }
  });
  return child;
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  log("stopping...");
  for (const child of children) child.kill("SIGTERM");
  const deadline = setTimeout(() => {
    for (const child of children) child.kill("SIGKILL");
  }, 5000);
  const check = setInterval(() => {
    if (children.size > 0) return;
    clearInterval(check);
    clearTimeout(deadline);
    log("stopped");
    process.exit(code);
  }, 50);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const summary = spawnSync(process.execPath, [join(root, "apps/agent/bin/sluice.js"), "node"], { encoding: "utf8" });
log("this node:");
for (const line of summary.stdout.trim().split("\n")) log(`  ${line}`);

// apps/web/server.mjs: Next.js plus the direct path for agent calls, on one port (see docs/architecture.md).
const web = start("web", process.execPath, [join(root, "apps/web/server.mjs"), "-H", host, "-p", String(port)], {
  cwd: join(root, "apps/web"),
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
web.stdout.on("data", (text) => {
  if (String(text).includes("Ready")) {
    log(`control plane: http://${host}:${port}/  (health: http://${host}:${port}/api/health)`);
    log("press Ctrl-C to stop");
  }
});
