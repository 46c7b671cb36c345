// Agents send monotonic counters (totals since the instance started); a series needs rates. The tracker keeps
// the previous counters of every instance (and instance queue) and turns each new sample into per-second rates.
import { METRIC_COUNT } from "./series.js";

/** A sample as the live store sees it: the agent's counters plus where it belongs and which second it fills. */
export interface LiveSample {
  /** The epoch second this sample's rates are charted at, chosen by the replica that accepted it. */
  second: number;
  nodeId: string;
  instanceId: string;
  app: string;
  /** NIC queue, or null for the instance total. */
  queue: number | null;
  /** The agent's sampling time, which the rates are computed over. */
  atMs: number;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  drops: number;
  retransmits: number | null;
  connections: number | null;
}

interface Previous {
  atMs: number;
  counters: [number, number, number, number, number, number];
  /** The last second this counter filled, so two samples never land in the same second. */
  second: number;
  seenMs: number;
}

/** Longer than this between two samples and the old counters say nothing useful about the current rate. */
const MAX_GAP_MS = 5 * 60_000;

export class RateTracker {
  private readonly previous = new Map<string, Previous>();

  get size(): number {
    return this.previous.size;
  }

  /**
   * Fills `into` (indexed like METRICS) with the sample's rates since the previous sample of the same counter and
   * returns the second to chart them at, or returns undefined when there is no rate yet (first sample, a gap,
   * or a sample older than one already seen).
   */
  rates(sample: LiveSample, into: Float64Array): number | undefined {
    const key = sample.queue === null ? sample.instanceId : `${sample.instanceId}:${sample.queue}`;
    const counters: Previous["counters"] = [
      sample.rxBytes,
      sample.txBytes,
      sample.rxPackets,
      sample.txPackets,
      sample.drops,
      sample.retransmits ?? 0,
    ];
    const before = this.previous.get(key);
    if (before && sample.atMs <= before.atMs) return undefined; // a duplicate or a late arrival
    const intervalMs = before ? sample.atMs - before.atMs : 0;
    const second = before ? Math.max(sample.second, before.second + 1) : sample.second;
    if (before) {
      before.atMs = sample.atMs;
      before.second = second;
      before.seenMs = sample.atMs;
      const old = before.counters;
      before.counters = counters;
      if (intervalMs > MAX_GAP_MS) return undefined;
      const seconds = intervalMs / 1000;
      for (let index = 0; index < counters.length; index += 1) {
        // A counter that went down means the instance restarted: it has counted from zero since.
        const delta = counters[index]! >= old[index]! ? counters[index]! - old[index]! : counters[index]!;
        into[index] = delta / seconds;
      }
      into[0]! *= 8; // bytes to bits
      into[1]! *= 8;
      into[METRIC_COUNT - 1] = sample.connections ?? 0;
      return second;
    }
    this.previous.set(key, { atMs: sample.atMs, counters, second, seenMs: sample.atMs });
    return undefined;
  }

  /** Forgets counters not updated since `beforeMs` (instances that went away). */
  forgetOlderThan(beforeMs: number): void {
    for (const [key, previous] of this.previous) if (previous.seenMs < beforeMs) this.previous.delete(key);
  }
}
