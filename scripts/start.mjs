#!/usr/bin/env node
// `npm start` after setup: the control plane on embedded PGlite and, unless `--no-demo`, a demo fleet on this
// machine (scripts/demo-fleet.mjs) with live load; Ctrl-C stops everything and removes the demo's namespaces.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot, startControlPlane } from "./control-plane.mjs";

const host = process.env.SLUICE_WEB_HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);
const demo = !process.argv.slice(2).includes("--no-demo");

function log(message) {
  console.log(`[sluice] ${message}`);
}

let plane;
let fleet;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  log("stopping...");
  try {
    await fleet?.stop();
    if (fleet) log("demo fleet stopped, namespaces removed");
  } finally {
    await plane?.stop();
    log("stopped");
    process.exit(code);
  }
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const summary = spawnSync(process.execPath, [join(repositoryRoot, "apps/agent/bin/sluice.js"), "node"], {
  encoding: "utf8",
});
log("this node:");
for (const line of summary.stdout.trim().split("\n")) log(`  ${line}`);

/** The server's lines, except its per-request JSON log at info level (an agent heartbeat each second per node). */
function echoWebLine(line) {
  if (line.startsWith("{")) {
    try {
      if (JSON.parse(line).level < 40) return;
    } catch {
      // not JSON after all: print it
    }
  }
  console.log(`[web] ${line}`);
}

const env = {};
let adminPassword;
if (demo) {
  // The demo starts from a clean database of its own each time (its nodes are new namespaces every run), with an
  // admin password chosen here so the demo can sign in and print it. `--no-demo` keeps the real state in .state/.
  const stateDir = join(repositoryRoot, ".state", "demo");
  rmSync(stateDir, { recursive: true, force: true });
  adminPassword = randomBytes(9).toString("base64url");
  Object.assign(env, { SLUICE_STATE_DIR: stateDir, SLUICE_ADMIN_PASSWORD: adminPassword, DATABASE_URL: "" });
}

try {
  plane = await startControlPlane({ host, port, env, onLine: echoWebLine });
  const url = `http://${host}:${port}/`;
  log(`control plane: ${url}  (health: ${url}api/health)`);
  if (demo) {
    const { chooseBackend, startDemoFleet } = await import("./demo-fleet.mjs");
    const choice = chooseBackend();
    log(`demo fleet on the ${choice.backend} backend (${choice.reason})`);
    if (!choice.namespaces) {
      log("the demo fleet needs network namespaces (root on Linux); the control plane runs alone");
    } else {
      fleet = await startDemoFleet({ base: plane.base, port, adminPassword, backend: choice.backend, log });
      if (choice.backend === "kernel") {
        log("kernel-backend instances publish no counters: the dashboard shows the nodes and rollouts, no throughput");
      } else {
        log("the dashboard shows the fleet's live throughput: open the URL and sign in");
      }
    }
    log(`admin credentials: username admin, password ${adminPassword}`);
  }
  log("press Ctrl-C to stop");
  plane.child.on("exit", (code, signal) => {
    if (!stopping) {
      log(`the control plane exited unexpectedly (${signal ?? `code ${code}`}); stopping`);
      stop(1);
    }
  });
} catch (error) {
  console.error(`[sluice] ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
