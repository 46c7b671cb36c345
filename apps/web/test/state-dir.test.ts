import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findRepoRoot, stateDirectory } from "../src/server/state-dir";

const root = mkdtempSync(join(tmpdir(), "sluice-root-"));
writeFileSync(join(root, "package.json"), JSON.stringify({ workspaces: ["apps/*"] }));
mkdirSync(join(root, "apps/web"), { recursive: true });
writeFileSync(join(root, "apps/web/package.json"), JSON.stringify({ name: "@sluice/web" }));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("state directory", () => {
  it("defaults to .state at the workspace root, found from the app directory", () => {
    expect(findRepoRoot(join(root, "apps/web"))).toBe(root);
    expect(stateDirectory({}, join(root, "apps/web"))).toBe(join(root, ".state"));
  });

  it("honours SLUICE_STATE_DIR, relative to the working directory", () => {
    expect(stateDirectory({ SLUICE_STATE_DIR: "/var/lib/sluice" }, root)).toBe("/var/lib/sluice");
    expect(stateDirectory({ SLUICE_STATE_DIR: "data" }, join(root, "apps/web"))).toBe(join(root, "apps/web/data"));
  });
});
