import { describe, expect, it } from "vitest";
import { RING_SECONDS, SecondsRing } from "./ring.js";
import { METRIC_COUNT } from "./series.js";

const values = (first: number) => Float64Array.from({ length: METRIC_COUNT }, (_, index) => first + index);

describe("SecondsRing", () => {
  it("sums what is added to the same second and keeps seconds apart", () => {
    const ring = new SecondsRing();
    ring.add(1000, values(1));
    ring.add(1000, values(10));
    ring.add(1001, values(100));
    expect(ring.get(1000, 0)).toBe(11);
    expect(ring.get(1000, METRIC_COUNT - 1)).toBe(1 + 10 + 2 * (METRIC_COUNT - 1));
    expect(ring.get(1001, 0)).toBe(100);
    expect(ring.has(1002)).toBe(false);
    expect(ring.get(1002, 0)).toBeUndefined();
  });

  it("wraps around after an hour: the new second replaces the old one instead of adding to it", () => {
    const ring = new SecondsRing();
    ring.add(5, values(1));
    ring.add(5 + RING_SECONDS, values(7));
    expect(ring.has(5)).toBe(false);
    expect(ring.get(5 + RING_SECONDS, 0)).toBe(7);
    const into = new Float64Array(METRIC_COUNT);
    expect(ring.read(5, into)).toBe(false);
    expect(ring.read(5 + RING_SECONDS, into)).toBe(true);
    expect([...into]).toEqual([...values(7)]);
  });

  it("has a fixed size", () => {
    expect(SecondsRing.bytesPerSeries()).toBe(RING_SECONDS * (METRIC_COUNT * 4 + 4));
  });
});
