// The Prometheus text exposition format (version 0.0.4): per family one HELP and one TYPE line, then
// its samples; counters end in _total; histograms are _bucket (cumulative, with le, ending at +Inf),
// _sum and _count series; label values escaped (backslash, quote, newline).
export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricSample {
  labels: Record<string, string>;
  value: number;
  /** For histograms: which of the family's series this sample belongs to. */
  suffix?: "_bucket" | "_sum" | "_count";
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`bad metric name ${family.name}`);
    if (family.type === "counter" && !family.name.endsWith("_total")) {
      throw new Error(`counter ${family.name} must end in _total`);
    }
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      if ((family.type === "histogram") !== (sample.suffix !== undefined)) {
        throw new Error(`${family.name}: only histogram samples carry a _bucket/_sum/_count suffix`);
      }
      if (sample.suffix === "_bucket" && sample.labels.le === undefined) {
        throw new Error(`${family.name}_bucket needs an le label`);
      }
      const labels = Object.entries(sample.labels).map(([key, value]) => {
        if (!LABEL.test(key) || key.startsWith("__")) throw new Error(`bad label name ${key}`);
        return `${key}="${escapeLabelValue(value)}"`;
      });
      lines.push(
        `${family.name}${sample.suffix ?? ""}${labels.length > 0 ? `{${labels.join(",")}}` : ""} ${formatValue(sample.value)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Prometheus `le` label text for an upper bound (seconds), +Inf for the last bucket. */
export function leLabel(bound: number): string {
  return bound === Number.POSITIVE_INFINITY ? "+Inf" : String(bound);
}

/**
 * A histogram's samples from per-bucket (not cumulative) counts: cumulative _bucket series, then
 * _sum and _count, all with `labels`.
 */
export function histogramSamples(
  labels: Record<string, string>,
  upperBounds: readonly number[],
  counts: readonly number[],
  sum: number,
): MetricSample[] {
  let cumulative = 0;
  const buckets = upperBounds.map((bound, index): MetricSample => {
    cumulative += counts[index] ?? 0;
    return { labels: { ...labels, le: leLabel(bound) }, value: cumulative, suffix: "_bucket" };
  });
  if (upperBounds.at(-1) !== Number.POSITIVE_INFINITY) {
    buckets.push({ labels: { ...labels, le: "+Inf" }, value: cumulative, suffix: "_bucket" });
  }
  return [...buckets, { labels, value: sum, suffix: "_sum" }, { labels, value: cumulative, suffix: "_count" }];
}
