// The one control plane per server process: the database (migrated on open), the first admin, and the periodic
// heartbeat-timeout sweep. Next.js may evaluate this module more than once (instrumentation and route bundles),
// so the instance lives on globalThis.
//
// @sluice/api and @sluice/db are imported at run time, not bundled: the db package finds its migrations folder
// next to its own files, which only works when Node loads it from packages/db. Bundlers do not follow
// workspace symlinks as external packages, so the imports below tell Turbopack to leave them alone.
import type { ApiSettings } from "@sluice/api";
import type { DatabaseHandle } from "@sluice/db";
import { stateDirectory } from "./state-dir";

type ApiModule = typeof import("@sluice/api");
type DbModule = typeof import("@sluice/db");

export interface ControlPlane {
  api: ApiModule;
  handle: DatabaseHandle;
  settings: ApiSettings;
  secureCookies: boolean;
  /** Where uploaded artifacts live (artifacts/<sha256>), next to the PGlite data. */
  stateDir: string;
  /** Largest accepted artifact upload in bytes (SLUICE_ARTIFACT_MAX_BYTES, default 64 MiB). */
  artifactLimit: number;
}

const globalKey = Symbol.for("sluice.controlPlane");
type GlobalWithPlane = typeof globalThis & { [globalKey]?: Promise<ControlPlane> };

function positiveNumber(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function printAdminCredentials(username: string, password: string, generated: boolean): void {
  const lines = generated
    ? [
        "Sluice: created the first admin user. This password is shown only now:",
        `  username: ${username}`,
        `  password: ${password}`,
        "Sign in and create your own users under Settings.",
      ]
    : [`Sluice: created the first admin user "${username}" with the password from SLUICE_ADMIN_PASSWORD.`];
  console.log(lines.join("\n"));
}

async function start(): Promise<ControlPlane> {
  const api: ApiModule = await import(/* turbopackIgnore: true */ /* webpackIgnore: true */ "@sluice/api");
  const { createDatabase, databaseOptionsFromEnv }: DbModule = await import(
    /* turbopackIgnore: true */ /* webpackIgnore: true */ "@sluice/db"
  );
  const { bootstrapAdmin, defaultSettings, runMaintenance, tickRollouts } = api;
  const stateDir = stateDirectory();
  const handle = await createDatabase(databaseOptionsFromEnv(process.env, stateDir));
  console.log(`Sluice: database ${handle.kind} at ${handle.location}, migrated`);
  const admin = await bootstrapAdmin(handle.db, new Date(), process.env.SLUICE_ADMIN_PASSWORD);
  if (admin.created) printAdminCredentials(admin.username, admin.password, admin.generated);

  const settings: ApiSettings = {
    ...defaultSettings,
    heartbeatTimeoutMs: positiveNumber(process.env.SLUICE_HEARTBEAT_TIMEOUT_MS, defaultSettings.heartbeatTimeoutMs),
  };
  const sweep = setInterval(
    () => {
      runMaintenance(handle.db, new Date(), settings).catch((error: unknown) =>
        console.error("Sluice: maintenance (heartbeat timeouts, expired sessions) failed:", error),
      );
    },
    Math.max(1000, settings.heartbeatTimeoutMs / 6),
  );
  sweep.unref();
  // Every replica ticks; the one holding the advisory lock drives the rollouts, the others skip.
  // A tick still running (slow machine) is not overlapped by the next one.
  let ticking = false;
  const rolloutTicker = setInterval(() => {
    if (ticking) return;
    ticking = true;
    tickRollouts(handle.db, new Date())
      .then((report) => {
        for (const failure of report.failed)
          console.error(`Sluice: rollout ${failure.id} step failed: ${failure.error}`);
      })
      .catch((error: unknown) => console.error("Sluice: rollout tick failed:", error))
      .finally(() => {
        ticking = false;
      });
  }, 1000);
  rolloutTicker.unref();
  // PGlite must be closed to flush its files; Next.js exits on these signals right after its own handlers.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      clearInterval(sweep);
      clearInterval(rolloutTicker);
      handle.close().finally(() => process.exit(0));
    });
  }
  return {
    api,
    handle,
    settings,
    secureCookies: process.env.SLUICE_SECURE_COOKIES === "1",
    stateDir,
    artifactLimit: positiveNumber(process.env.SLUICE_ARTIFACT_MAX_BYTES, api.DEFAULT_ARTIFACT_LIMIT),
  };
}

export function getControlPlane(): Promise<ControlPlane> {
  const holder = globalThis as GlobalWithPlane;
  holder[globalKey] ??= start();
  return holder[globalKey];
}
