// The exposition writer's output passes the strict parser, and the parser refuses what Prometheus
// would refuse (so a passing parse in the agent test means something).
import { describe, expect, it } from "vitest";
import { counterTotals } from "../stats/instance-counters.js";
import type { InstanceRecord } from "../supervisor/state-store.js";
import { agentMetrics } from "./agent-metrics.js";
import { histogramSamples, renderExposition } from "./exposition.js";
import { parseExposition } from "./parse-exposition.js";

describe("Prometheus exposition", () => {
  it("writes HELP and TYPE once per family and escapes label values", () => {
    const text = renderExposition([
      {
        name: "x_total",
        help: "a line\\with a backslash",
        type: "counter",
        samples: [{ labels: { path: 'a"b\\c\nd' }, value: 3 }],
      },
      { name: "y", help: "g", type: "gauge", samples: [{ labels: {}, value: -1.5 }] },
    ]);
    expect(text).toBe(
      '# HELP x_total a line\\\\with a backslash\n# TYPE x_total counter\nx_total{path="a\\"b\\\\c\\nd"} 3\n# HELP y g\n# TYPE y gauge\ny -1.5\n',
    );
    const parsed = parseExposition(text);
    expect(parsed.get("x_total")?.samples[0]?.labels.path).toBe('a"b\\c\nd');
    expect(parsed.get("y")?.samples[0]?.value).toBe(-1.5);
    expect(() => renderExposition([{ name: "bad", help: "", type: "counter", samples: [] }])).toThrow(
      "counter bad must end in _total",
    );
  });

  it("writes histograms as cumulative buckets ending at +Inf with _sum and _count", () => {
    const text = renderExposition([
      {
        name: "rtt_seconds",
        help: "h",
        type: "histogram",
        samples: histogramSamples({ app: "kv" }, [0.001, 0.002, Number.POSITIVE_INFINITY], [3, 0, 2], 0.5),
      },
    ]);
    expect(text).toBe(
      [
        "# HELP rtt_seconds h",
        "# TYPE rtt_seconds histogram",
        'rtt_seconds_bucket{app="kv",le="0.001"} 3',
        'rtt_seconds_bucket{app="kv",le="0.002"} 3',
        'rtt_seconds_bucket{app="kv",le="+Inf"} 5',
        'rtt_seconds_sum{app="kv"} 0.5',
        'rtt_seconds_count{app="kv"} 5',
        "",
      ].join("\n"),
    );
    expect(parseExposition(text).get("rtt_seconds")?.samples).toHaveLength(5);
  });

  it("parses the agent's families with no instances", () => {
    const families = parseExposition(
      renderExposition(
        agentMetrics({
          node: "n1",
          connected: false,
          heartbeats: 3,
          heartbeatFailures: 2,
          statsSamplesSent: 0,
          statsSamplesDropped: 0,
          statsSamplesQueued: 0,
          records: [],
          counters: [],
        }),
      ),
    );
    expect(families.get("sluice_agent_heartbeat_failures_total")?.samples[0]).toEqual({
      name: "sluice_agent_heartbeat_failures_total",
      labels: { node: "n1" },
      value: 2,
    });
    expect(families.get("sluice_agent_control_plane_connected")?.samples[0]?.value).toBe(0);
    expect(families.get("sluice_agent_instances")?.samples).toHaveLength(7);
  });

  it("gives each queue of a multi-queue instance its own series, the RTT histogram included", () => {
    const record: InstanceRecord = {
      spec: { id: "kv-1", app: "kv", program: ["x"], launcher: [], cores: [0, 1], nic: "eth0", queues: [0, 1] },
      state: "ready",
      restarts: 0,
      failures: 0,
      exits: [],
      logFile: "/dev/null",
      logPolicy: { maxBytes: 1, keepFiles: 1 },
      updatedAt: "",
    };
    const queue = (rx: number) =>
      counterTotals({
        counters: {
          device: { rx_packets: rx, tx_packets: rx, rx_bytes: 0, tx_bytes: 0 },
          tcp: { passive_opens: 1, connections_open: 1, segments_retransmitted: 0 },
          tcp_rtt_us: { le_8: 0, le_16: rx, le_inf: 0, sum: rx * 10 },
        },
      });
    const families = parseExposition(
      renderExposition(
        agentMetrics({
          node: "n1",
          connected: true,
          heartbeats: 1,
          heartbeatFailures: 0,
          statsSamplesSent: 0,
          statsSamplesDropped: 0,
          statsSamplesQueued: 0,
          records: [record],
          counters: [
            {
              record,
              totals: queue(30),
              queues: new Map([
                [0, queue(10)],
                [1, queue(20)],
              ]),
            },
          ],
        }),
      ),
    );
    expect(families.get("sluice_instance_rx_packets_total")?.samples.map((s) => [s.labels.queue, s.value])).toEqual([
      ["0", 10],
      ["1", 20],
    ]);
    const counts = families.get("sluice_instance_tcp_rtt_seconds")?.samples.filter((s) => s.name.endsWith("_count"));
    expect(counts?.map((s) => [s.labels.queue, s.value])).toEqual([
      ["0", 10],
      ["1", 20],
    ]);
    expect(families.get("sluice_app_rx_packets_total")?.samples[0]?.value).toBe(30);
  });

  it.each([
    ["a sample before its TYPE", "# HELP a_total x\na_total 1\n", "outside its family"],
    ["a counter without _total", "# HELP a x\n# TYPE a counter\na 1\n", "does not end in _total"],
    ["a bad escape", '# HELP a x\n# TYPE a gauge\na{l="\\q"} 1\n', "bad escape"],
    ["a repeated series", '# HELP a x\n# TYPE a gauge\na{l="1"} 1\na{l="1"} 2\n', "series repeated"],
    ["a negative counter", "# HELP a_total x\n# TYPE a_total counter\na_total -1\n", "is -1"],
    ["a family split in two", "# HELP a x\n# TYPE a gauge\n# HELP a x\n", "appears twice"],
    ["no final newline", "# HELP a x\n# TYPE a gauge\na 1", "end with a newline"],
    ["a value that is not a number", "# HELP a x\n# TYPE a gauge\na one\n", "bad value"],
    ["an unknown type", "# HELP a x\n# TYPE a gauges\n", "unknown type"],
    ["an unterminated label", '# HELP a x\n# TYPE a gauge\na{l="1} 1\n', "unterminated"],
    [
      "a histogram whose buckets go down",
      '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n',
      "not cumulative",
    ],
    ["a histogram without +Inf", '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 3\nh_sum 1\nh_count 3\n', "no +Inf"],
    [
      "a histogram whose count disagrees",
      '# HELP h x\n# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 4\n',
      "differs from _count",
    ],
    ["a histogram bucket without le", "# HELP h x\n# TYPE h histogram\nh_bucket 3\n", "without an le"],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseExposition(text)).toThrow(message);
  });
});
