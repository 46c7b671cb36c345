// What the API records about itself: request counts and latency per procedure, and structured JSON logs (pino).
// Rendered by `/api/metrics` together with the fleet and live-store gauges (see metrics.ts).
import pino, { type Logger } from "pino";
import { Histogram } from "./prometheus.js";

/** Seconds; fine at the low end, where the 50 ms p99 target is. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Telemetry an agent sends every second; logged at debug so request logs stay readable with 1,000 agents. */
const HIGH_RATE_PROCEDURES = new Set(["agent.heartbeat", "agent.reportStats"]);

export interface ProcedureStats {
  /** Calls by tRPC result code ("OK", "FORBIDDEN", ...). */
  calls: Map<string, number>;
  latency: Histogram;
}

export interface RequestRecord {
  path: string;
  type: "query" | "mutation" | "subscription";
  code: string;
  durationMs: number;
  actor: string;
  error?: unknown;
}

export class Telemetry {
  readonly procedures = new Map<string, ProcedureStats>();

  constructor(readonly log: Logger) {}

  recordRequest(record: RequestRecord): void {
    let stats = this.procedures.get(record.path);
    if (!stats) {
      stats = { calls: new Map(), latency: new Histogram(LATENCY_BUCKETS) };
      this.procedures.set(record.path, stats);
    }
    stats.calls.set(record.code, (stats.calls.get(record.code) ?? 0) + 1);
    stats.latency.observe(record.durationMs / 1000);
    const fields = {
      procedure: record.path,
      type: record.type,
      code: record.code,
      durationMs: Math.round(record.durationMs * 10) / 10,
      actor: record.actor,
    };
    if (record.code === "INTERNAL_SERVER_ERROR") {
      this.log.error({ ...fields, err: record.error }, "api request failed");
    } else if (record.code !== "OK" || !HIGH_RATE_PROCEDURES.has(record.path)) {
      this.log.info(fields, "api request");
    } else {
      this.log.debug(fields, "api request");
    }
  }
}

/** JSON lines on stdout; the level from SLUICE_LOG_LEVEL (default info). */
export function createLogger(level = process.env.SLUICE_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { service: "sluice-web" } });
}

export function silentTelemetry(): Telemetry {
  return new Telemetry(pino({ level: "silent" }));
}
