// A minimal Prometheus text-format (0.0.4) writer: enough for counters, gauges and one histogram family.

export type Labels = Record<string, string>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels | undefined, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const parts = Object.entries(all).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export class MetricsText {
  private readonly lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels?: Labels): this {
    this.lines.push(`${name}${labelText(labels)} ${numberText(value)}`);
    return this;
  }

  /** One histogram series: cumulative buckets, sum and count. */
  histogram(name: string, histogram: Histogram, labels?: Labels): this {
    let cumulative = 0;
    histogram.bounds.forEach((bound, index) => {
      cumulative += histogram.counts[index]!;
      this.sample(`${name}_bucket`, cumulative, { ...labels, le: numberText(bound) });
    });
    this.sample(`${name}_bucket`, histogram.count, { ...labels, le: "+Inf" });
    this.sample(`${name}_sum`, histogram.sum, labels);
    this.sample(`${name}_count`, histogram.count, labels);
    return this;
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

export class Histogram {
  /** counts[i] observations fell in (bounds[i-1], bounds[i]]; those above the last bound only in `count`. */
  readonly counts: Float64Array;
  count = 0;
  sum = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.count += 1;
    this.sum += value;
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index]! += 1;
  }
}
