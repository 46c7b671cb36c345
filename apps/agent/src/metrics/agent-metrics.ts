// What the agent exposes to Prometheus: itself (up, control-plane connection, heartbeats, stats
// delivery), its instances by state, and each instance's counters labelled by node, app, instance,
// NIC and queue (so per-app and per-queue views are one `sum by` away), plus per-node totals.
import type { CounterTotals } from "../stats/instance-counters.js";
import type { InstanceCounters } from "../stats/sampler.js";
import type { InstanceRecord, InstanceState } from "../supervisor/state-store.js";
import { histogramSamples, type MetricFamily, type MetricSample } from "./exposition.js";

export interface AgentSnapshot {
  node: string;
  connected: boolean;
  heartbeats: number;
  heartbeatFailures: number;
  statsSamplesSent: number;
  statsSamplesDropped: number;
  statsSamplesQueued: number;
  records: readonly InstanceRecord[];
  counters: readonly InstanceCounters[];
}

const STATES: readonly InstanceState[] = [
  "starting",
  "ready",
  "backoff",
  "stopping",
  "stopped",
  "crash-loop",
  "failed",
];

export function agentMetrics(snapshot: AgentSnapshot): MetricFamily[] {
  const node = { node: snapshot.node };
  const one = (value: number, labels: Record<string, string> = {}): MetricSample[] => [
    { labels: { ...node, ...labels }, value },
  ];
  const instanceLabels = (record: InstanceRecord) => ({
    ...node,
    app: record.spec.app,
    instance: record.spec.id,
    nic: record.spec.nic ?? "",
    queue: record.spec.queues.join(","),
  });
  // One series per queue: a multi-queue instance's queues each on their own (queue="N"), a single-queue
  // instance as itself; `sum by (instance)` is then the instance, `sum by (nic, queue)` the queue.
  const series = (c: InstanceCounters): [Record<string, string>, CounterTotals][] =>
    c.queues
      ? [...c.queues].map(([queue, totals]) => [{ ...instanceLabels(c.record), queue: String(queue) }, totals])
      : [[instanceLabels(c.record), c.totals]];
  const perInstance = (value: (t: CounterTotals) => number | undefined): MetricSample[] =>
    snapshot.counters.flatMap((c) =>
      series(c).flatMap(([labels, totals]) => {
        const v = value(totals);
        return v === undefined ? [] : [{ labels, value: v }];
      }),
    );
  const perApp = (value: (c: InstanceCounters) => number): MetricSample[] => {
    const apps = new Map<string, number>();
    for (const c of snapshot.counters) apps.set(c.record.spec.app, (apps.get(c.record.spec.app) ?? 0) + value(c));
    return [...apps].map(([app, total]) => ({ labels: { ...node, app }, value: total }));
  };
  const sum = (value: (c: InstanceCounters) => number) => snapshot.counters.reduce((total, c) => total + value(c), 0);

  const families: MetricFamily[] = [
    { name: "sluice_agent_up", help: "1 while the agent runs.", type: "gauge", samples: one(1) },
    {
      name: "sluice_agent_control_plane_connected",
      help: "1 when the last call to the control plane succeeded.",
      type: "gauge",
      samples: one(snapshot.connected ? 1 : 0),
    },
    {
      name: "sluice_agent_heartbeats_total",
      help: "Heartbeats the control plane accepted.",
      type: "counter",
      samples: one(snapshot.heartbeats),
    },
    {
      name: "sluice_agent_heartbeat_failures_total",
      help: "Heartbeats that failed (control plane unreachable or refusing).",
      type: "counter",
      samples: one(snapshot.heartbeatFailures),
    },
    {
      name: "sluice_agent_stats_samples_sent_total",
      help: "Stats samples the control plane accepted.",
      type: "counter",
      samples: one(snapshot.statsSamplesSent),
    },
    {
      name: "sluice_agent_stats_samples_dropped_total",
      help: "Stats samples dropped: the buffer overflowed while the control plane was away, or it refused them.",
      type: "counter",
      samples: one(snapshot.statsSamplesDropped),
    },
    {
      name: "sluice_agent_stats_samples_queued",
      help: "Stats samples waiting for the control plane.",
      type: "gauge",
      samples: one(snapshot.statsSamplesQueued),
    },
    {
      name: "sluice_agent_instances",
      help: "Instances the agent supervises, by state.",
      type: "gauge",
      samples: STATES.flatMap((state) => one(snapshot.records.filter((r) => r.state === state).length, { state })),
    },
    {
      name: "sluice_instance_up",
      help: "1 when the instance is ready (its ready line seen), else 0.",
      type: "gauge",
      samples: snapshot.records.map((r) => ({ labels: instanceLabels(r), value: r.state === "ready" ? 1 : 0 })),
    },
    {
      name: "sluice_instance_restarts_total",
      help: "Restarts after crashes.",
      type: "counter",
      samples: snapshot.records.map((r) => ({ labels: instanceLabels(r), value: r.restarts })),
    },
    counter(
      "sluice_instance_rx_packets_total",
      "Packets received by the instance's device queue.",
      perInstance((t) => t.rxPackets),
    ),
    counter(
      "sluice_instance_tx_packets_total",
      "Packets sent by the instance's device queue.",
      perInstance((t) => t.txPackets),
    ),
    counter(
      "sluice_instance_rx_bytes_total",
      "Bytes received by the instance's device queue.",
      perInstance((t) => t.rxBytes),
    ),
    counter(
      "sluice_instance_tx_bytes_total",
      "Bytes sent by the instance's device queue.",
      perInstance((t) => t.txBytes),
    ),
    counter(
      "sluice_instance_drops_total",
      "Frames or segments dropped, by reason (layer.counter).",
      snapshot.counters.flatMap((c) =>
        series(c).flatMap(([labels, totals]) =>
          Object.entries(totals.dropsByReason).map(([reason, value]) => ({ labels: { ...labels, reason }, value })),
        ),
      ),
    ),
    counter(
      "sluice_instance_retransmits_total",
      "TCP segments retransmitted.",
      perInstance((t) => t.retransmits),
    ),
    {
      name: "sluice_instance_connections",
      help: "TCP connections open now.",
      type: "gauge",
      samples: perInstance((t) => t.connections),
    },
    {
      name: "sluice_instance_tcp_rtt_seconds",
      help: "Round-trip times the instance's TCP stack measured (RFC 6298 / RFC 7323 samples).",
      type: "histogram",
      samples: snapshot.counters.flatMap((c) =>
        series(c).flatMap(([labels, { rtt }]) =>
          rtt
            ? histogramSamples(
                labels,
                rtt.upperBoundsUs.map((us) => us / 1e6),
                rtt.counts,
                rtt.sumUs / 1e6,
              )
            : [],
        ),
      ),
    },
    counter(
      "sluice_app_rx_packets_total",
      "Packets received by all instances of an app.",
      perApp((c) => c.totals.rxPackets),
    ),
    counter(
      "sluice_app_tx_packets_total",
      "Packets sent by all instances of an app.",
      perApp((c) => c.totals.txPackets),
    ),
    counter(
      "sluice_app_drops_total",
      "Drops by all instances of an app.",
      perApp((c) => c.totals.drops),
    ),
    counter(
      "sluice_node_rx_packets_total",
      "Packets received by all instances on the node.",
      one(sum((c) => c.totals.rxPackets)),
    ),
    counter(
      "sluice_node_tx_packets_total",
      "Packets sent by all instances on the node.",
      one(sum((c) => c.totals.txPackets)),
    ),
    counter("sluice_node_drops_total", "Drops by all instances on the node.", one(sum((c) => c.totals.drops))),
  ];
  return families;
}

function counter(name: string, help: string, samples: MetricSample[]): MetricFamily {
  return { name, help, type: "counter", samples };
}
