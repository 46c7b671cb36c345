import { describe, expect, it } from "vitest";
import { histogramPercentile, percentile } from "./latency.js";

describe("latency summaries", () => {
  it("takes percentiles by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index); // 100..1, unsorted
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBeNaN();
  });

  it("reads a percentile's bucket bound from Prometheus histogram text", () => {
    const text = [
      'api_seconds_bucket{procedure="a",le="0.01"} 90',
      'api_seconds_bucket{procedure="a",le="0.05"} 99',
      'api_seconds_bucket{procedure="a",le="+Inf"} 100',
      'api_seconds_bucket{procedure="b",le="0.01"} 0',
      'api_seconds_bucket{procedure="b",le="0.05"} 0',
      'api_seconds_bucket{procedure="b",le="+Inf"} 5',
    ].join("\n");
    expect(histogramPercentile(text, "api_seconds", 'procedure="a"', 50)).toBe(0.01);
    expect(histogramPercentile(text, "api_seconds", 'procedure="a"', 99)).toBe(0.05);
    expect(histogramPercentile(text, "api_seconds", 'procedure="a"', 99.5)).toBe(Number.POSITIVE_INFINITY);
    expect(histogramPercentile(text, "api_seconds", 'procedure="b"', 99)).toBe(Number.POSITIVE_INFINITY);
    expect(histogramPercentile(text, "api_seconds", 'procedure="c"', 99)).toBeNaN();
  });
});
