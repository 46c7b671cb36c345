// One entry point for both storage options: PGlite under the state directory (the default, nothing to run) or
// a real Postgres named by a URL. Either way the committed migrations are applied before the handle is returned.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { drizzle as drizzleNodePostgres } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePostgres } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the database itself or an open transaction. */
export type Executor = Database | Transaction;

export const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

export type DatabaseOptions = { stateDir: string } | { url: string };

export interface DatabaseHandle {
  db: Database;
  kind: "pglite" | "postgres";
  /** Where the data lives, for logs: a directory or the URL without its password. */
  location: string;
  close(): Promise<void>;
}

export async function createDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if ("url" in options) return openPostgres(options.url);
  const dataDir = join(options.stateDir, "pglite");
  mkdirSync(dataDir, { recursive: true });
  return openPglite(await PGlite.create(dataDir), dataDir);
}

/** DATABASE_URL wins; otherwise PGlite under the given state directory. */
export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv, stateDir: string): DatabaseOptions {
  const url = env.DATABASE_URL?.trim();
  return url ? { url } : { stateDir };
}

/** Wraps an already open PGlite (in-memory, cloned, or on disk) and migrates it. */
export async function openPglite(client: PGlite, location = "memory"): Promise<DatabaseHandle> {
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Database,
    kind: "pglite",
    location,
    close: () => client.close(),
  };
}

export async function openPostgres(url: string): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const db = drizzleNodePostgres({ client: pool, schema });
    await migrateNodePostgres(db, { migrationsFolder });
    return { db: db as unknown as Database, kind: "postgres", location: redactUrl(url), close: () => pool.end() };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres";
  }
}
