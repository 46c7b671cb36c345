// `/api/metrics`: Prometheus text for the control plane. It holds counts and timings only (no names, ids,
// addresses or secrets), so it is served without authentication, like most scrape targets.
import { type Database, nodeStateEnum, nodes } from "@sluice/db";
import { gte, sql } from "drizzle-orm";
import type { AgentRuntime } from "../agents/runtime.js";
import type { ApiSettings } from "../context.js";
import type { LiveService } from "../live/service.js";
import { MetricsText } from "./prometheus.js";
import type { Telemetry } from "./telemetry.js";

export interface MetricsSources {
  db: Database;
  live: LiveService;
  telemetry: Telemetry;
  settings: ApiSettings;
  now: Date;
  /** The agent fast path's caches and batching (absent in callers without one). */
  agents?: AgentRuntime;
}

export async function renderMetrics({ db, live, telemetry, settings, now, agents }: MetricsSources): Promise<string> {
  const text = new MetricsText();
  const byState = await db
    .select({ state: nodes.state, count: sql<number>`count(*)::int` })
    .from(nodes)
    .groupBy(nodes.state);
  text.family("sluice_nodes", "gauge", "Nodes by state.");
  for (const state of nodeStateEnum.enumValues) {
    text.sample("sluice_nodes", byState.find((row) => row.state === state)?.count ?? 0, { state });
  }
  const [connected] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(nodes)
    .where(gte(nodes.lastHeartbeatAt, new Date(now.getTime() - settings.heartbeatTimeoutMs)));
  text
    .family("sluice_agents_connected", "gauge", "Nodes whose agent sent a heartbeat within the heartbeat timeout.")
    .sample("sluice_agents_connected", connected?.count ?? 0);

  text.family("sluice_api_requests_total", "counter", "tRPC calls by procedure and result code.");
  for (const [procedure, stats] of telemetry.procedures) {
    for (const [code, count] of stats.calls) text.sample("sluice_api_requests_total", count, { procedure, code });
  }
  text.family("sluice_api_request_duration_seconds", "histogram", "tRPC call latency by procedure.");
  for (const [procedure, stats] of telemetry.procedures) {
    text.histogram("sluice_api_request_duration_seconds", stats.latency, { procedure });
  }

  const store = live.store;
  text
    .family("sluice_live_series", "gauge", "Live series held in memory (each a fixed-size ring of an hour).")
    .sample("sluice_live_series", store.seriesCount)
    .family("sluice_live_series_limit", "gauge", "Most live series this replica holds.")
    .sample("sluice_live_series_limit", store.maxSeries)
    .family("sluice_live_series_refused_total", "counter", "New series refused because the store was full.")
    .sample("sluice_live_series_refused_total", store.counters.seriesRefused)
    .family("sluice_live_series_evicted_total", "counter", "Series evicted after an hour without samples.")
    .sample("sluice_live_series_evicted_total", store.counters.seriesEvicted)
    .family("sluice_live_samples_ingested_total", "counter", "Stats samples ingested (from agents and replicas).")
    .sample("sluice_live_samples_ingested_total", store.counters.samplesIngested)
    .family("sluice_live_samples_per_second", "gauge", "Samples ingested per second, over the last 10 s.")
    .sample("sluice_live_samples_per_second", live.samplesPerSecond(now.getTime()))
    .family("sluice_live_rollup_writes_total", "counter", "Per-minute rollup batches written.")
    .sample("sluice_live_rollup_writes_total", live.counters.rollupWrites)
    .family("sluice_live_rollup_rows_total", "counter", "Rollup rows inserted or improved.")
    .sample("sluice_live_rollup_rows_total", live.counters.rollupRowsWritten)
    .family("sluice_live_rollup_failures_total", "counter", "Rollup writes that failed.")
    .sample("sluice_live_rollup_failures_total", live.counters.rollupFailures);
  const bus = live.bus?.counters;
  text
    .family("sluice_live_notifications_sent_total", "counter", "NOTIFY payloads sent to other replicas.")
    .sample("sluice_live_notifications_sent_total", bus?.notificationsSent ?? 0)
    .family("sluice_live_notifications_received_total", "counter", "NOTIFY payloads received.")
    .sample("sluice_live_notifications_received_total", bus?.notificationsReceived ?? 0);

  if (agents) {
    const credentials = agents.credentials.counters;
    const beats = agents.heartbeats.counters;
    text
      .family("sluice_agent_credential_lookups_total", "counter", "Node credential checks, by where answered.")
      .sample("sluice_agent_credential_lookups_total", credentials.hits, { source: "cache" })
      .sample("sluice_agent_credential_lookups_total", credentials.misses, { source: "database" })
      .family("sluice_agent_heartbeats_total", "counter", "Heartbeats, by whether they were written in full.")
      .sample("sluice_agent_heartbeats_total", beats.written, { write: "full" })
      .sample("sluice_agent_heartbeats_total", beats.unchanged, { write: "time only" })
      .family("sluice_agent_heartbeat_flushes_total", "counter", "Batched last-heartbeat UPDATEs.")
      .sample("sluice_agent_heartbeat_flushes_total", beats.flushes)
      .family("sluice_agent_heartbeat_flush_failures_total", "counter", "Batched UPDATEs that failed.")
      .sample("sluice_agent_heartbeat_flush_failures_total", agents.counters.flushFailures);
  }

  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  text
    .family("process_cpu_seconds_total", "counter", "User and system CPU time of the server process.")
    .sample("process_cpu_seconds_total", (cpu.user + cpu.system) / 1e6)
    .family("process_resident_memory_bytes", "gauge", "Resident set size.")
    .sample("process_resident_memory_bytes", memory.rss)
    .family("nodejs_heap_used_bytes", "gauge", "V8 heap in use.")
    .sample("nodejs_heap_used_bytes", memory.heapUsed)
    .family("nodejs_external_memory_bytes", "gauge", "Memory outside the V8 heap (the live rings among it).")
    .sample("nodejs_external_memory_bytes", memory.external)
    .family("process_uptime_seconds", "gauge", "Seconds since the process started.")
    .sample("process_uptime_seconds", Math.round(process.uptime()));
  return text.toString();
}
