// No secrets and no server-only code in what browsers download: every file under .next/static (the client
// bundle of the built app) is searched for environment variable names that hold secrets or connection
// strings, and for markers of server-only modules (database drivers, password and secret hashing).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const staticDir = fileURLToPath(new URL("../.next/static", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const FORBIDDEN = [
  "DATABASE_URL",
  "SLUICE_ADMIN_PASSWORD",
  "SLUICE_TEST_DATABASE_URL",
  "postgres://",
  "@electric-sql/pglite",
  "pg_try_advisory_xact_lock",
  "hashPassword",
  "hashSecret",
  "scryptSync",
  "node_credentials",
];

describe("client bundle", () => {
  it("holds no secret names, connection strings or server-only code", () => {
    const scripts = files(staticDir).filter((path) => path.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(5);
    const found = scripts.flatMap((path) => {
      const text = readFileSync(path, "utf8");
      return FORBIDDEN.filter((marker) => text.includes(marker)).map((marker) => `${marker} in ${path}`);
    });
    expect(found).toEqual([]);
  });
});
