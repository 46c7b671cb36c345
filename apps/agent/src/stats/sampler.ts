// Once a second the agent reads every running instance's stats file and turns the counters into a
// sample of what happened since the previous read (the per-second increase; see README.md, "Live
// stats"). Totals since the instance started are kept for the Prometheus endpoint.
import { readInstanceStats } from "@sluice/libos";
import type { StatsSample } from "@sluice/proto";
import type { InstanceRecord } from "../supervisor/state-store.js";
import { type CounterTotals, counterDelta, counterTotals, statsFilePath, totalsByQueue } from "./instance-counters.js";

interface Seen {
  pid: number;
  totals: CounterTotals;
  /** A multi-queue instance's per-queue totals, by queue. */
  queues?: Map<number, CounterTotals>;
}

/** A running instance's data path publishes ten times a second; this much silence means it is stuck. */
export const STALE_AFTER_MS = 3000;

export interface InstanceCounters {
  record: InstanceRecord;
  totals: CounterTotals;
  /** Seconds since the data path last published (the file's CLOCK_MONOTONIC stamp against ours). */
  ageSeconds?: number;
  /** A multi-queue instance's counters per queue (sluice run --queues), by queue. */
  queues?: Map<number, CounterTotals>;
  /** Why there are no counters (no stats file yet, backend kernel, unreadable file). */
  error?: string;
}

export class StatsSampler {
  private readonly seen = new Map<string, Seen>();
  private readonly latest = new Map<string, InstanceCounters>();

  constructor(
    private readonly stateDir: string,
    /** Instances started before this (adopted) count from the first read; those started later from zero. */
    private readonly since: Date = new Date(),
  ) {}

  /** Reads each instance once; returns one sample per instance whose counters could be read. */
  sample(records: readonly InstanceRecord[], at: Date = new Date()): StatsSample[] {
    const samples: StatsSample[] = [];
    const present = new Set<string>();
    for (const record of records) {
      const id = record.spec.id;
      present.add(id);
      if (record.state === "stopped" || record.state === "failed" || record.state === "crash-loop") continue;
      let totals: CounterTotals;
      let queueTotals: Map<number, CounterTotals> | undefined;
      let pid: number;
      let ageSeconds: number;
      try {
        const stats = readInstanceStats(statsFilePath(this.stateDir, id), 10);
        // The file is the current process's, or the final counts of the one we followed before it
        // crashed (read while the supervisor waits to restart it); an older file is not news.
        if (stats.pid !== record.pid && stats.pid !== this.seen.get(id)?.pid) continue;
        totals = counterTotals(stats);
        queueTotals = totalsByQueue(stats);
        pid = stats.pid;
        // process.hrtime is CLOCK_MONOTONIC on Linux, the clock the data path stamps with.
        ageSeconds = Math.max(0, Number(process.hrtime.bigint() - stats.publishedAtNanos) / 1e9);
      } catch (error) {
        const previous = this.latest.get(id);
        this.latest.set(id, {
          record,
          totals: previous?.totals ?? counterTotals({ counters: {} }),
          error: (error as Error).message,
        });
        continue;
      }
      const before = this.seen.get(id);
      const baseline = before && before.pid === pid ? before : undefined;
      // An instance adopted from an earlier agent counts from its first read: that read only sets the baseline.
      const adoptedFirstRead = !before && record.startedAt && Date.parse(record.startedAt) < this.since.getTime();
      const queues = queueTotals ? { queues: queueTotals } : {};
      this.seen.set(id, { pid, totals, ...queues });
      this.latest.set(id, { record, totals, ageSeconds, ...queues });
      if (adoptedFirstRead) continue;
      samples.push(sampleOf(id, at, counterDelta(baseline?.totals, totals)));
      // A multi-queue instance (sluice run --queues) also reports each queue on its own, beside the total.
      for (const [queue, queueNow] of queueTotals ?? []) {
        samples.push({ ...sampleOf(id, at, counterDelta(baseline?.queues?.get(queue), queueNow)), queue });
      }
    }
    for (const id of [...this.latest.keys()]) {
      if (!present.has(id)) {
        this.latest.delete(id);
        this.seen.delete(id);
      }
    }
    return samples;
  }

  /** Health from the stats file: a ready instance whose data path stopped publishing is stuck. */
  health(): Map<string, string> {
    const problems = new Map<string, string>();
    for (const { record, ageSeconds } of this.latest.values()) {
      if (record.state === "ready" && ageSeconds !== undefined && ageSeconds * 1000 > STALE_AFTER_MS) {
        problems.set(
          record.spec.id,
          `stats file not updated for ${ageSeconds.toFixed(1)} s: the data path thread may be stuck`,
        );
      }
    }
    return problems;
  }

  /** The last counters read for each instance the supervisor still has. */
  current(): InstanceCounters[] {
    return [...this.latest.values()];
  }
}

function sampleOf(instanceId: string, at: Date, delta: CounterTotals): StatsSample {
  return {
    instanceId,
    at,
    rxPackets: delta.rxPackets,
    txPackets: delta.txPackets,
    rxBytes: delta.rxBytes,
    txBytes: delta.txBytes,
    drops: delta.drops,
    ...(delta.retransmits === undefined ? {} : { retransmits: delta.retransmits }),
    ...(delta.connections === undefined ? {} : { connections: delta.connections }),
  };
}

/**
 * Samples waiting for the control plane. Bounded: when it stays away too long the oldest samples
 * go first, and how many went is counted (and exported as a metric).
 */
export class StatsOutbox {
  private queue: StatsSample[] = [];
  dropped = 0;

  constructor(readonly capacity = 3600) {}

  get size(): number {
    return this.queue.length;
  }

  push(samples: readonly StatsSample[]): number {
    this.queue.push(...samples);
    const excess = this.queue.length - this.capacity;
    if (excess <= 0) return 0;
    this.queue.splice(0, excess);
    this.dropped += excess;
    return excess;
  }

  /** The oldest `max` samples, left in place until acknowledged. */
  peek(max: number): StatsSample[] {
    return this.queue.slice(0, max);
  }

  /** Removes the first `count` samples (sent, or refused for good). */
  remove(count: number): void {
    this.queue.splice(0, count);
  }

  /** Drops every queued sample of these instances (the control plane no longer knows them). */
  discardInstances(ids: ReadonlySet<string>): number {
    const before = this.queue.length;
    this.queue = this.queue.filter((sample) => !ids.has(sample.instanceId));
    const gone = before - this.queue.length;
    this.dropped += gone;
    return gone;
  }
}
