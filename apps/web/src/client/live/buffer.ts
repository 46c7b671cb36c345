// The browser's copy of a live subscription: frames appended onto one time axis, trimmed to a window. It is
// mutated in place and versioned; charts and table cells poll the version from requestAnimationFrame, so a
// new frame never re-renders React components.
import type { LatestValue, LiveFrame, SeriesWindow } from "@sluice/api";

type Metric = keyof SeriesWindow;
const METRICS: Metric[] = ["rxBits", "txBits", "rxPackets", "txPackets", "drops", "retransmits", "connections"];

export class LiveBuffer {
  /** Epoch seconds, consecutive. */
  readonly seconds: number[] = [];
  readonly series = new Map<string, SeriesWindow>();
  latest: Record<string, LatestValue | null> = {};
  /** Bumped on every change; readers compare it with the version they last drew. */
  version = 0;

  constructor(readonly windowSeconds: number) {}

  append(frame: LiveFrame): void {
    const last = this.seconds.at(-1);
    // On a resumed subscription the server sends only what is new; skip anything already held just in case.
    const skip = last === undefined ? 0 : Math.max(0, last + 1 - frame.from);
    const count = frame.to - frame.from + 1 - skip;
    if (count <= 0) return;
    for (let index = 0; index < count; index += 1) this.seconds.push(frame.from + skip + index);
    for (const [key, window] of Object.entries(frame.series)) {
      let held = this.series.get(key);
      if (!held) {
        held = Object.fromEntries(
          METRICS.map((metric) => [metric, new Array(this.seconds.length - count).fill(null)]),
        ) as SeriesWindow;
        this.series.set(key, held);
      }
      for (const metric of METRICS) held[metric].push(...window[metric].slice(skip));
    }
    for (const [key, held] of this.series) {
      if (key in frame.series) continue;
      for (const metric of METRICS) for (let index = 0; index < count; index += 1) held[metric].push(null);
    }
    const excess = this.seconds.length - this.windowSeconds;
    if (excess > 0) {
      this.seconds.splice(0, excess);
      for (const held of this.series.values()) for (const metric of METRICS) held[metric].splice(0, excess);
    }
    this.latest = frame.latest;
    this.version += 1;
  }
}

/** A minute's summary as `live.history` returns it. */
export interface RollupRow {
  minute: Date;
  rxBitsPerSecond: number;
  txBitsPerSecond: number;
  rxPacketsPerSecond: number;
  txPacketsPerSecond: number;
  dropsPerSecond: number;
  retransmitsPerSecond: number;
  connections: number;
}

/** A buffer over per-minute rollups (one point per minute), so the live charts can draw the day too. */
export function bufferFromRollups(key: string, rows: readonly RollupRow[]): LiveBuffer {
  const buffer = new LiveBuffer(rows.length);
  buffer.seconds.push(...rows.map((row) => row.minute.getTime() / 1000));
  buffer.series.set(key, {
    rxBits: rows.map((row) => row.rxBitsPerSecond),
    txBits: rows.map((row) => row.txBitsPerSecond),
    rxPackets: rows.map((row) => row.rxPacketsPerSecond),
    txPackets: rows.map((row) => row.txPacketsPerSecond),
    drops: rows.map((row) => row.dropsPerSecond),
    retransmits: rows.map((row) => row.retransmitsPerSecond),
    connections: rows.map((row) => row.connections),
  });
  buffer.version = 1;
  return buffer;
}
