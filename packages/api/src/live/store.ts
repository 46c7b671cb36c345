// The live store: one SecondsRing per series, fed by agents' samples (through RateTracker) and read as frames
// for subscriptions and as minutes for rollups. Time is always passed in, so tests drive it second by second.
//
// Series: the fleet, each node, each app and each instance are sums of instance totals (samples without a
// queue); each queue series is fed by that queue's samples only. Memory is fixed per series and the number of
// series is bounded: a series idle for an hour is evicted, and when the store is full a new series is refused
// (and counted) rather than evicting one somebody may be watching.
import { type LiveSample, RateTracker } from "./rates.js";
import { RING_SECONDS, SecondsRing } from "./ring.js";
import { METRIC_COUNT, METRICS, type Metric, type SeriesRef, seriesKey } from "./series.js";

export interface LiveStoreOptions {
  maxSeries?: number;
  /** A series with no sample for this long is evicted. */
  idleSeconds?: number;
}

interface Series {
  key: string;
  ref: SeriesRef;
  ring: SecondsRing;
  lastSecond: number;
  /** For instance and queue series: where they belong, so node and app scopes can find them. */
  nodeId?: string;
  app?: string;
}

export type LiveScope =
  | { kind: "fleet" }
  | { kind: "node"; nodeId: string }
  | { kind: "app"; app: string }
  | { kind: "instance"; instanceId: string };

/** A series over consecutive seconds: one array per metric, null where there was no data. */
export type SeriesWindow = Record<Metric, (number | null)[]>;

/** Throughput of one series at the frame's last second, for table cells. */
export interface LatestValue {
  bitsPerSecond: number;
  packetsPerSecond: number;
}

export interface LiveFrame {
  /** First and last epoch second covered, inclusive. */
  from: number;
  to: number;
  /** Chart series of the scope, each with to - from + 1 values per metric. */
  series: Record<string, SeriesWindow>;
  /** Row values at `to`: every node for the fleet scope, every instance for the others. Null for a gap. */
  latest: Record<string, LatestValue | null>;
}

export interface LiveStoreCounters {
  samplesIngested: number;
  seriesRefused: number;
  seriesEvicted: number;
}

export class LiveStore {
  readonly maxSeries: number;
  readonly idleSeconds: number;
  private readonly series = new Map<string, Series>();
  private readonly tracker = new RateTracker();
  private readonly scratch = new Float64Array(METRIC_COUNT);
  /** Instances that have received packets while their series lived: the rollout engine's "traffic flowing". */
  private readonly receiving = new Set<string>();
  readonly counters: LiveStoreCounters = { samplesIngested: 0, seriesRefused: 0, seriesEvicted: 0 };

  constructor(options: LiveStoreOptions = {}) {
    this.maxSeries = options.maxSeries ?? 4096;
    this.idleSeconds = options.idleSeconds ?? RING_SECONDS;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  /** Whether the instance has received any packets since its series was created. */
  hasReceived(instanceId: string): boolean {
    return this.receiving.has(instanceId);
  }

  ingest(samples: readonly LiveSample[]): void {
    const rates = this.scratch;
    for (const sample of samples) {
      this.counters.samplesIngested += 1;
      if (sample.rxPackets > 0) this.receiving.add(sample.instanceId);
      const second = this.tracker.rates(sample, rates);
      if (second === undefined) continue;
      if (sample.queue !== null) {
        const ref = { kind: "queue", instanceId: sample.instanceId, queue: sample.queue } as const;
        this.add(ref, sample, second, rates);
        continue;
      }
      this.add({ kind: "instance", instanceId: sample.instanceId }, sample, second, rates);
      this.add({ kind: "node", nodeId: sample.nodeId }, sample, second, rates);
      this.add({ kind: "app", app: sample.app }, sample, second, rates);
      this.add({ kind: "fleet" }, sample, second, rates);
    }
  }

  private add(ref: SeriesRef, sample: LiveSample, second: number, rates: Float64Array): void {
    const key = seriesKey(ref);
    let series = this.series.get(key);
    if (!series) {
      if (this.series.size >= this.maxSeries) {
        this.counters.seriesRefused += 1;
        return;
      }
      const placed = ref.kind === "instance" || ref.kind === "queue";
      series = {
        key,
        ref,
        ring: new SecondsRing(),
        lastSecond: second,
        ...(placed ? { nodeId: sample.nodeId, app: sample.app } : {}),
      };
      this.series.set(key, series);
    }
    series.ring.add(second, rates);
    if (second > series.lastSecond) series.lastSecond = second;
  }

  /** Evicts series idle for `idleSeconds` and forgets their counters. */
  evictIdle(nowSecond: number): void {
    const cutoff = nowSecond - this.idleSeconds;
    for (const [key, series] of this.series) {
      if (series.lastSecond < cutoff) {
        this.series.delete(key);
        if (series.ref.kind === "instance") this.receiving.delete(series.ref.instanceId);
        this.counters.seriesEvicted += 1;
      }
    }
    this.tracker.forgetOlderThan(cutoff * 1000);
  }

  /** The series of a scope, chart series first (the scope's own series, then its members). */
  private members(scope: LiveScope): { charts: Series[]; rows: Series[] } {
    const charts: Series[] = [];
    const rows: Series[] = [];
    const own = this.series.get(seriesKey(scopeSeries(scope)));
    if (own) charts.push(own);
    for (const series of this.series.values()) {
      const { ref } = series;
      if (scope.kind === "fleet") {
        if (ref.kind === "node") rows.push(series);
      } else if (scope.kind === "node") {
        if (series.nodeId !== scope.nodeId) continue;
        if (ref.kind === "queue") charts.push(series);
        if (ref.kind === "instance") rows.push(series);
      } else if (scope.kind === "app") {
        if (ref.kind === "instance" && series.app === scope.app) rows.push(series);
      } else if (ref.kind === "queue" && ref.instanceId === scope.instanceId) {
        charts.push(series);
      }
    }
    return { charts, rows };
  }

  frame(scope: LiveScope, from: number, to: number): LiveFrame {
    const { charts, rows } = this.members(scope);
    const series: Record<string, SeriesWindow> = {};
    for (const chart of charts) series[chart.key] = window(chart.ring, from, to);
    const latest: Record<string, LatestValue | null> = {};
    for (const row of rows) latest[row.key] = latestValue(row.ring, to);
    return { from, to, series, latest };
  }

  /**
   * The instance's dropped ÷ (received + dropped) packets over the seconds from..to, or null when fewer than
   * `minPackets` were seen there (too few to judge; a quiet instance is not an erring one).
   */
  errorRate(instanceId: string, from: number, to: number, minPackets = 100): number | null {
    const ring = this.series.get(seriesKey({ kind: "instance", instanceId }))?.ring;
    if (!ring) return null;
    const rx = METRICS.indexOf("rxPackets");
    const drops = METRICS.indexOf("drops");
    let received = 0;
    let dropped = 0;
    for (let second = from; second <= to; second += 1) {
      received += ring.get(second, rx) ?? 0;
      dropped += ring.get(second, drops) ?? 0;
    }
    return received + dropped < minPackets ? null : dropped / (received + dropped);
  }

  /** Calls `visit` with every series (for rollups). */
  forEachSeries(visit: (key: string, ring: SecondsRing) => void): void {
    for (const series of this.series.values()) visit(series.key, series.ring);
  }
}

export function scopeSeries(scope: LiveScope): SeriesRef {
  return scope.kind === "fleet"
    ? scope
    : scope.kind === "node"
      ? { kind: "node", nodeId: scope.nodeId }
      : scope.kind === "app"
        ? { kind: "app", app: scope.app }
        : { kind: "instance", instanceId: scope.instanceId };
}

function window(ring: SecondsRing, from: number, to: number): SeriesWindow {
  const columns = Object.fromEntries(METRICS.map((metric) => [metric, [] as (number | null)[]])) as SeriesWindow;
  for (let second = from; second <= to; second += 1) {
    METRICS.forEach((metric, index) => {
      columns[metric].push(ring.get(second, index) ?? null);
    });
  }
  return columns;
}

/** Agents report on their own clocks, so a row's newest second may be one or two behind: look back a little. */
const LATEST_LOOKBACK_SECONDS = 3;

function latestValue(ring: SecondsRing, to: number): LatestValue | null {
  for (let second = to; second > to - LATEST_LOOKBACK_SECONDS; second -= 1) {
    if (!ring.has(second)) continue;
    return {
      bitsPerSecond: ring.get(second, 0)! + ring.get(second, 1)!,
      packetsPerSecond: ring.get(second, 2)! + ring.get(second, 3)!,
    };
  }
  return null;
}
