// Agents send, once a second, the increase of each counter since the instance's previous sample (see
// @sluice/proto statsSample and apps/agent/README.md, "Live stats"); a series needs rates. The tracker keeps the
// previous sampling time of every instance (and instance queue) to know what interval a sample covers.
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
  /** The agent's sampling time: the end of the interval the counts below cover. */
  atMs: number;
  /** Increases since the instance's previous sample. */
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
  /** The last second this counter filled, so two samples never land in the same second. */
  second: number;
}

/**
 * The agent's sampling period. A sample whose predecessor this replica has not seen (it started later), or that
 * follows a long silence (the agent drops its oldest buffered samples when the control plane is away long, and
 * their increases with them), is taken to cover one period.
 */
const NOMINAL_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 5000;

export class RateTracker {
  private readonly previous = new Map<string, Previous>();

  get size(): number {
    return this.previous.size;
  }

  /**
   * Fills `into` (indexed like METRICS) with the sample's rates over the interval since the previous sample of
   * the same counter and returns the second to chart them at, or undefined for a sample older than one already
   * seen (a duplicate or a late arrival).
   */
  rates(sample: LiveSample, into: Float64Array): number | undefined {
    const key = sample.queue === null ? sample.instanceId : `${sample.instanceId}:${sample.queue}`;
    const before = this.previous.get(key);
    if (before && sample.atMs <= before.atMs) return undefined;
    const gapMs = before ? sample.atMs - before.atMs : Number.POSITIVE_INFINITY;
    const intervalMs = gapMs <= MAX_INTERVAL_MS ? gapMs : NOMINAL_INTERVAL_MS;
    const second = before ? Math.max(sample.second, before.second + 1) : sample.second;
    if (before) {
      before.atMs = sample.atMs;
      before.second = second;
    } else {
      this.previous.set(key, { atMs: sample.atMs, second });
    }
    const perSecond = 1000 / intervalMs;
    into[0] = sample.rxBytes * 8 * perSecond;
    into[1] = sample.txBytes * 8 * perSecond;
    into[2] = sample.rxPackets * perSecond;
    into[3] = sample.txPackets * perSecond;
    into[4] = sample.drops * perSecond;
    into[5] = (sample.retransmits ?? 0) * perSecond;
    into[METRIC_COUNT - 1] = sample.connections ?? 0;
    return second;
  }

  /** Forgets counters not updated since `beforeMs` (instances that went away). */
  forgetOlderThan(beforeMs: number): void {
    for (const [key, previous] of this.previous) if (previous.atMs < beforeMs) this.previous.delete(key);
  }
}
