// The one control plane per server process: the database (migrated on open), the first admin, and the periodic
// heartbeat-timeout sweep. Next.js may evaluate this module more than once (instrumentation and route bundles),
// so the instance lives on globalThis.
//
// @sluice/api and @sluice/db are imported at run time, not bundled: the db package finds its migrations folder
// next to its own files, which only works when Node loads it from packages/db. Bundlers do not follow
// workspace symlinks as external packages, so the imports below tell Turbopack to leave them alone.
import type { AgentRuntime, ApiSettings, LiveService, Telemetry } from "@sluice/api";
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
  /** Live throughput of every node (shared with other replicas through the database). */
  live: LiveService;
  telemetry: Telemetry;
  /** Node credential cache, heartbeat batching and instance owners for agent calls. */
  agents: AgentRuntime;
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
  const { AgentRuntime, bootstrapAdmin, defaultSettings, runMaintenance, tickRollouts, LiveService, Telemetry } = api;
  const stateDir = stateDirectory();
  const handle = await createDatabase(databaseOptionsFromEnv(process.env, stateDir));
  console.log(`Sluice: database ${handle.kind} at ${handle.location}, migrated`);
  const admin = await bootstrapAdmin(handle.db, new Date(), process.env.SLUICE_ADMIN_PASSWORD);
  if (admin.created) printAdminCredentials(admin.username, admin.password, admin.generated);

  const settings: ApiSettings = {
    ...defaultSettings,
    heartbeatTimeoutMs: positiveNumber(process.env.SLUICE_HEARTBEAT_TIMEOUT_MS, defaultSettings.heartbeatTimeoutMs),
  };
  const telemetry = new Telemetry(api.createLogger());
  const maxSeries = positiveNumber(process.env.SLUICE_LIVE_MAX_SERIES, 4096);
  const live = new LiveService({
    db: handle.db,
    // A PGlite data directory belongs to one process, so only a Postgres server can have other replicas.
    replicate: handle.kind === "postgres",
    maxSeries,
    onError: (error, what) => telemetry.log.error({ err: error }, `live: ${what} failed`),
  });
  await live.start();
  const agents = new AgentRuntime({
    db: handle.db,
    onError: (error, what) => telemetry.log.error({ err: error }, `agents: ${what} failed`),
  });
  await agents.start();
  const sweep = setInterval(
    () => {
      runMaintenance(handle.db, new Date(), settings, agents).catch((error: unknown) =>
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
    // The error-rate gate looks at the last ten closed seconds of each new instance (rollouts/machine.ts).
    const closed = live.closedSecond;
    const errorRate = (instanceId: string) =>
      closed === undefined ? null : live.store.errorRate(instanceId, closed - 9, closed);
    tickRollouts(handle.db, new Date(), (instanceId) => live.store.hasReceived(instanceId), errorRate)
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
      Promise.all([live.stop(), agents.stop()])
        .then(() => handle.close())
        .finally(() => process.exit(0));
    });
  }
  return {
    api,
    handle,
    settings,
    secureCookies: process.env.SLUICE_SECURE_COOKIES === "1",
    stateDir,
    artifactLimit: positiveNumber(process.env.SLUICE_ARTIFACT_MAX_BYTES, api.DEFAULT_ARTIFACT_LIMIT),
    live,
    telemetry,
    agents,
  };
}

export function getControlPlane(): Promise<ControlPlane> {
  const holder = globalThis as GlobalWithPlane;
  holder[globalKey] ??= start();
  return holder[globalKey];
}
