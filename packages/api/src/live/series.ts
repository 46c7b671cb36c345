// Names of the live series. A key is a short string so that it can be a Map key, a rollup row's `series`
// column and a field name in the frames sent to browsers.
export type SeriesRef =
  | { kind: "fleet" }
  | { kind: "node"; nodeId: string }
  | { kind: "app"; app: string }
  | { kind: "instance"; instanceId: string }
  | { kind: "queue"; instanceId: string; queue: number };

export function seriesKey(ref: SeriesRef): string {
  switch (ref.kind) {
    case "fleet":
      return "fleet";
    case "node":
      return `node:${ref.nodeId}`;
    case "app":
      return `app:${ref.app}`;
    case "instance":
      return `instance:${ref.instanceId}`;
    case "queue":
      return `queue:${ref.instanceId}:${ref.queue}`;
  }
}

/** The measurements every series carries per second. All are rates per second except `connections`, a level. */
export const METRICS = ["rxBits", "txBits", "rxPackets", "txPackets", "drops", "retransmits", "connections"] as const;
export type Metric = (typeof METRICS)[number];
export const METRIC_COUNT = METRICS.length;

/** One second of one series, indexed like METRICS. */
export type Point = Float64Array;
