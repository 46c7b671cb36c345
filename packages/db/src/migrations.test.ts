// The committed migrations must match the schema: a schema change without `npm run generate` fails here.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { expect, it } from "vitest";
import { migrationsFolder } from "./database.js";

it("has a committed migration for every schema change", () => {
  const copy = mkdtempSync(join(tmpdir(), "sluice-migrations-"));
  try {
    cpSync(migrationsFolder, copy, { recursive: true });
    const before = readdirSync(copy).sort();
    // bin.cjs is not in drizzle-kit's exports map; find it next to the package's entry point.
    const drizzleKit = join(dirname(createRequire(import.meta.url).resolve("drizzle-kit")), "bin.cjs");
    const packageDir = join(migrationsFolder, "..");
    // drizzle-kit prefixes "./" to --out, so it must be relative.
    const out = relative(packageDir, copy);
    const result = spawnSync(
      process.execPath,
      [drizzleKit, "generate", "--dialect=postgresql", "--schema=./src/schema/index.ts", `--out=${out}`],
      { cwd: packageDir, encoding: "utf8" },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("No schema changes");
    expect(readdirSync(copy).sort()).toEqual(before);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
