import { deleteNamespaceSync, listNamespaces } from "./ip.js";
import { parseNamespaceName } from "./names.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes namespaces left behind by harness processes that died; returns the names removed. */
export function sweepStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const name of listNamespaces()) {
    const owned = parseNamespaceName(name);
    if (owned && owned.pid !== process.pid && !isAlive(owned.pid)) {
      deleteNamespaceSync(name);
      removed.push(name);
    }
  }
  return removed;
}
