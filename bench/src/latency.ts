// Latency summaries for the control-plane benchmark: exact percentiles from recorded samples, and an upper
// bound from a Prometheus histogram (the server's own view, without client-side queueing).

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. Sorts `values` in place. */
export function percentile(values: Float64Array | number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return values[rank - 1]!;
}

/**
 * The smallest bucket bound below which p percent of a histogram's observations fall, from Prometheus text
 * (`<name>_bucket{...,le="x"} n` lines matching `labels`). Infinity when it lies in the +Inf bucket.
 */
export function histogramPercentile(metrics: string, name: string, labelText: string, p: number): number {
  const buckets: [number, number][] = [];
  for (const line of metrics.split("\n")) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labelText)) continue;
    const match = /le="([^"]+)"\} (\S+)$/.exec(line);
    if (match) buckets.push([match[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2])]);
  }
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return Number.NaN;
  return buckets.find(([, count]) => count >= (p / 100) * total)![0];
}
