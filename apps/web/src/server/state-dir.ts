// Where the control plane keeps its data: SLUICE_STATE_DIR, or `.state/` at the repository root (gitignored).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The nearest directory at or above `start` whose package.json declares npm workspaces. */
export function findRepoRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, "utf8")).workspaces) return dir;
      } catch {
        // An unreadable package.json is not the root we are looking for; keep walking up.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function stateDirectory(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string {
  if (env.SLUICE_STATE_DIR?.trim()) return resolve(cwd, env.SLUICE_STATE_DIR);
  return join(findRepoRoot(cwd) ?? cwd, ".state");
}
