// One series' last hour at 1 s resolution in fixed memory: a slot per second of the hour, each holding the
// METRICS values and the epoch second it belongs to. A slot whose stamp is not the asked-for second is a gap
// (no data, or data from an hour ago that has been overwritten in place). Nothing allocates after construction.
import { METRIC_COUNT } from "./series.js";

export const RING_SECONDS = 3600;
const EMPTY = -1;

export class SecondsRing {
  /** Slot-major: values of slot i are at [i * METRIC_COUNT, (i + 1) * METRIC_COUNT). Float32 halves the memory. */
  private readonly values: Float32Array;
  private readonly stamps: Int32Array;

  constructor(readonly capacity = RING_SECONDS) {
    // Written through once here: a fresh typed array is zero pages the kernel commits only when first written,
    // so without this a series' memory would grow for its first hour, one second's slot at a time (the 10-minute
    // benchmark saw RSS climb ~5 MiB/min with 2,000 series). Fixed memory should be fixed from the start.
    this.values = new Float32Array(capacity * METRIC_COUNT).fill(0);
    this.stamps = new Int32Array(capacity).fill(EMPTY);
  }

  static bytesPerSeries(capacity = RING_SECONDS): number {
    return capacity * (METRIC_COUNT * 4 + 4);
  }

  private slot(second: number): number {
    return second % this.capacity;
  }

  /** Adds `values` to the second's slot (series are sums of their instances); a stale slot is cleared first. */
  add(second: number, values: ArrayLike<number>): void {
    const slot = this.slot(second);
    const base = slot * METRIC_COUNT;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.values.fill(0, base, base + METRIC_COUNT);
    }
    for (let metric = 0; metric < METRIC_COUNT; metric += 1) this.values[base + metric]! += values[metric]!;
  }

  has(second: number): boolean {
    return second >= 0 && this.stamps[this.slot(second)] === second;
  }

  /** One metric of one second, or undefined for a gap. */
  get(second: number, metric: number): number | undefined {
    const slot = this.slot(second);
    return this.stamps[slot] === second ? this.values[slot * METRIC_COUNT + metric] : undefined;
  }

  /** Copies a second's values into `into` (length METRIC_COUNT); false for a gap. */
  read(second: number, into: Float64Array): boolean {
    const slot = this.slot(second);
    if (this.stamps[slot] !== second) return false;
    const base = slot * METRIC_COUNT;
    for (let metric = 0; metric < METRIC_COUNT; metric += 1) into[metric] = this.values[base + metric]!;
    return true;
  }
}
