// One replica's live data: the store, the replica bus, the per-second clock that closes seconds for
// subscribers, and the minute clock that writes rollups. Production calls start(); tests call tick() with
// their own time and leave the timers off.
import { randomUUID } from "node:crypto";
import type { Database } from "@sluice/db";
import { ReplicaBus } from "./bus.js";
import type { LiveSample } from "./rates.js";
import { pruneRollups, rollupStore, writeRollups } from "./rollups.js";
import { type LiveFrame, type LiveScope, LiveStore, type LiveStoreOptions } from "./store.js";

/**
 * Seconds a second stays open after it ends: samples accepted by another replica reach this one up to a bus
 * flush (0.5 s) plus delivery later, and an agent's once-a-second report can fall on either side of a boundary.
 */
export const CLOSE_LAG_SECONDS = 2;
/** How far back a reconnecting subscriber can resume, and the longest window a subscription may ask for. */
export const MAX_WINDOW_SECONDS = 3600;

export interface LiveCounters {
  rollupWrites: number;
  rollupRowsWritten: number;
  rollupFailures: number;
  rollupRowsPruned: number;
}

export interface LiveServiceOptions extends LiveStoreOptions {
  db: Database;
  /** Share samples with other replicas over LISTEN/NOTIFY (off in single-replica unit tests). */
  replicate?: boolean;
  replicaId?: string;
  onError?: (error: unknown, what: string) => void;
}

type Waiter = { after: number; resolve: (second: number | undefined) => void };

export class LiveService {
  readonly store: LiveStore;
  readonly replicaId: string;
  readonly bus: ReplicaBus | undefined;
  readonly counters: LiveCounters = { rollupWrites: 0, rollupRowsWritten: 0, rollupFailures: 0, rollupRowsPruned: 0 };
  private readonly db: Database;
  private readonly onError: (error: unknown, what: string) => void;
  /** The newest second no more samples are expected for; subscribers are sent seconds up to here. */
  private closed: number | undefined;
  /** Rollups are written through this minute (its start, an epoch second). */
  private rolledThrough: number | undefined;
  private rolling: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Samples ingested so far, noted at each of the last few closed seconds: [second, count]. */
  private readonly ingestHistory: [number, number][] = [];

  constructor(options: LiveServiceOptions) {
    this.store = new LiveStore(options);
    this.db = options.db;
    this.replicaId = options.replicaId ?? randomUUID();
    this.onError = options.onError ?? ((error, what) => console.error(`live: ${what} failed:`, error));
    this.bus = options.replicate
      ? new ReplicaBus(this.db, this.replicaId, (samples) => this.store.ingest(samples), this.onError)
      : undefined;
  }

  async start(now: () => number = Date.now): Promise<void> {
    await this.bus?.start();
    this.timer = setInterval(() => this.tick(now()), 250);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const waiter of this.waiters) waiter.resolve(undefined);
    this.waiters = [];
    await this.bus?.stop();
    await this.rolling;
  }

  /** Samples this replica accepted from an agent: into the store now, and to the other replicas. */
  accept(samples: readonly LiveSample[]): void {
    this.store.ingest(samples);
    this.bus?.publish(samples);
  }

  /** The newest closed second, or undefined before the first tick. */
  get closedSecond(): number | undefined {
    return this.closed;
  }

  /** Advances the clocks: closes seconds (waking subscribers), evicts idle series, starts due rollups. */
  tick(nowMs: number): void {
    const closed = Math.floor(nowMs / 1000) - CLOSE_LAG_SECONDS;
    if (this.closed !== undefined && closed <= this.closed) return;
    this.closed = closed;
    this.ingestHistory.push([nowMs / 1000, this.store.counters.samplesIngested]);
    if (this.ingestHistory.length > 11) this.ingestHistory.shift();
    this.store.evictIdle(closed);
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (closed > waiter.after) waiter.resolve(closed);
      else this.waiters.push(waiter);
    }
    // A minute is complete once its last second has closed.
    const lastCompleteMinute = Math.floor((closed + 1) / 60) * 60 - 60;
    this.rolledThrough ??= lastCompleteMinute - 60;
    if (lastCompleteMinute > this.rolledThrough) {
      const from = Math.max(this.rolledThrough + 60, lastCompleteMinute - 59 * 60);
      this.rolledThrough = lastCompleteMinute;
      this.rolling = this.rolling.then(() => this.rollup(from, lastCompleteMinute, new Date(nowMs)));
    }
  }

  /** Resolves with the newest closed second once it is after `after`, or undefined when aborted or stopped. */
  nextClosed(after: number, signal?: AbortSignal): Promise<number | undefined> {
    if (this.closed !== undefined && this.closed > after) return Promise.resolve(this.closed);
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      // The listener goes when the waiter does: a subscription waits once a second on the same request signal.
      const onAbort = () => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve(undefined);
      };
      const waiter: Waiter = {
        after,
        resolve: (second) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(second);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Samples ingested per second over the last ten seconds or so. */
  samplesPerSecond(nowMs: number): number {
    const oldest = this.ingestHistory[0];
    if (!oldest) return 0;
    const seconds = nowMs / 1000 - oldest[0];
    return seconds > 0 ? (this.store.counters.samplesIngested - oldest[1]) / seconds : 0;
  }

  frame(scope: LiveScope, from: number, to: number): LiveFrame {
    return this.store.frame(scope, from, to);
  }

  /** Waits for rollups already started (tests, shutdown). */
  settled(): Promise<void> {
    return this.rolling;
  }

  private async rollup(fromMinute: number, toMinute: number, now: Date): Promise<void> {
    try {
      for (let minute = fromMinute; minute <= toMinute; minute += 60) {
        const rows = rollupStore(this.store, minute);
        if (rows.length === 0) continue;
        this.counters.rollupRowsWritten += await writeRollups(this.db, rows);
        this.counters.rollupWrites += 1;
      }
      this.counters.rollupRowsPruned += await pruneRollups(this.db, now);
    } catch (error) {
      this.counters.rollupFailures += 1;
      this.onError(error, "writing rollups");
    }
  }
}
