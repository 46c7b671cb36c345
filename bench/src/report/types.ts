// What a benchmark module gives the runner. A module measures; the runner times it, stores its result as
// JSON and renders every module's result into bench/REPORT.md. See bench/README.md.

export interface BenchContext {
  /** Shorten every run so that the whole quick suite stays under 5 minutes. */
  quick: boolean;
  /** Where the module may write extra files (logs, raw samples); bench/results/. */
  resultsDir: string;
  /** One line about what is running now; the runner prefixes module N/M and the elapsed time. */
  progress(message: string): void;
}

export interface BenchModule {
  /** File-name safe: results/NAME-latest.json. */
  name: string;
  title: string;
  run(context: BenchContext): Promise<BenchResult>;
}

export type Cell = string | number | null;

export interface ResultTable {
  title: string;
  columns: string[];
  rows: Cell[][];
}

/** One system's latency distribution: raw samples, or percentile points when only those are known. */
export interface LatencySeries {
  name: string;
  /** [percentile 0..100, value] pairs; use `pointsFromSamples` for raw samples. */
  points: Array<[number, number]>;
}

export interface LatencyChart {
  title: string;
  unit: string;
  series: LatencySeries[];
}

export interface ThroughputChart {
  title: string;
  unit: string;
  bars: Array<{ name: string; value: number }>;
}

/** A ratio (Sluice over its baseline) and the bound it should meet. */
export interface Target {
  metric: string;
  value: number | null;
  comparison: ">=" | "<=";
  bound: number;
}

export interface BenchResult {
  tables: ResultTable[];
  latency?: LatencyChart[];
  throughput?: ThroughputChart[];
  targets: Target[];
  /** Settings worth recording with the numbers (durations, sizes, ...). */
  settings?: Record<string, string | number | boolean>;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  nics: string[];
  commit: string;
}

export interface ModuleOutcome {
  name: string;
  title: string;
  seconds: number;
  result?: BenchResult;
  error?: string;
}

export interface RunRecord {
  date: string;
  quick: boolean;
  machine: Machine;
  modules: ModuleOutcome[];
}

/** Percentile points of raw samples (0, 1, ..., 100 and the tail 99.9), for a CDF chart. */
export function pointsFromSamples(samples: readonly number[]): Array<[number, number]> {
  if (samples.length === 0) return [];
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  const percentiles = [...Array.from({ length: 100 }, (_, i) => i), 99.9, 100];
  return percentiles.map((p) => [p, p === 100 ? sorted.at(-1)! : at(p)]);
}

/** "<= 0.3" → { comparison, bound }; anything else is an error naming the text. */
export function parseBound(text: string): Pick<Target, "comparison" | "bound"> {
  const match = /^\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) throw new Error(`target "${text}" is not of the form ">= N" or "<= N"`);
  return { comparison: match[1] as Target["comparison"], bound: Number(match[2]) };
}

export function targetMet(target: Target): boolean | null {
  if (target.value === null || !Number.isFinite(target.value)) return null;
  return target.comparison === ">=" ? target.value >= target.bound : target.value <= target.bound;
}
