// Fast isolated databases for tests. Migrating PGlite costs seconds, so a test file migrates one template and
// clones it per test. With SLUICE_TEST_DATABASE_URL set (a Postgres role allowed to CREATE DATABASE), the same
// tests run against real Postgres: the template is a migrated database and each clone is CREATE DATABASE ...
// TEMPLATE, dropped on close.
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { type DatabaseHandle, openPglite, openPostgres } from "./database.js";

export interface TestDatabases {
  /** A fresh, migrated, empty database; close it when the test is done. */
  fresh(): Promise<DatabaseHandle>;
  close(): Promise<void>;
}

export async function createTestDatabases(
  url: string | undefined = process.env.SLUICE_TEST_DATABASE_URL,
): Promise<TestDatabases> {
  return url ? postgresTemplate(url) : pgliteTemplate();
}

async function pgliteTemplate(): Promise<TestDatabases> {
  const template = await PGlite.create();
  await openPglite(template, "template");
  return {
    // clone() is typed as the interface, but it returns a full PGlite instance.
    fresh: async () => openPglite((await template.clone()) as PGlite, "memory clone"),
    close: () => template.close(),
  };
}

async function postgresTemplate(adminUrl: string): Promise<TestDatabases> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const prefix = `sluice_test_${randomBytes(4).toString("hex")}`;
  const templateName = `${prefix}_template`;
  const databaseUrl = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  await admin.query(`create database ${templateName}`);
  const template = await openPostgres(databaseUrl(templateName));
  // A template database must have no open connections while it is copied.
  await template.close();
  const created: string[] = [];
  return {
    async fresh() {
      const name = `${prefix}_${created.length}`;
      created.push(name);
      await admin.query(`create database ${name} template ${templateName}`);
      const handle = await openPostgres(databaseUrl(name));
      return {
        ...handle,
        close: async () => {
          await handle.close();
          await admin.query(`drop database if exists ${name}`);
        },
      };
    },
    async close() {
      for (const name of created) await admin.query(`drop database if exists ${name}`);
      await admin.query(`drop database if exists ${templateName}`);
      await admin.end();
    },
  };
}
