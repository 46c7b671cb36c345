// Networks still alive when the process exits or is interrupted are torn down synchronously here.
import { deleteNamespaceSync } from "./ip.js";

const live = new Map<string, string[]>();
let installed = false;

function teardownAll(): void {
  for (const namespaces of live.values()) for (const name of namespaces) deleteNamespaceSync(name);
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  teardownAll();
  // Re-raise with the default action so the exit status still says which signal ended us.
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

export function trackNetwork(id: string, namespaces: string[]): void {
  live.set(id, namespaces);
  if (installed) return;
  installed = true;
  process.on("exit", teardownAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
}

export function untrackNetwork(id: string): void {
  live.delete(id);
}
