import { describe, expect, it } from "vitest";
import { type BackoffPolicy, failuresAfterExit, restartDelay } from "./backoff.js";

const policy: BackoffPolicy = {
  initialMs: 100,
  maxMs: 1000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 5000,
  crashLoopAfter: 5,
};

describe("restart backoff", () => {
  it("doubles from the initial delay up to the maximum", () => {
    const middle = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6].map((attempt) => restartDelay(attempt, policy, middle))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it("spreads each delay by at most the jitter, both ways, never past the maximum", () => {
    expect(restartDelay(1, policy, () => 0)).toBe(80);
    expect(restartDelay(1, policy, () => 0.999999)).toBe(120);
    expect(restartDelay(10, policy, () => 0.999999)).toBe(1000);
    const draws = Array.from({ length: 200 }, () => restartDelay(3, policy));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(320);
    expect(Math.max(...draws)).toBeLessThanOrEqual(480);
    expect(new Set(draws).size).toBeGreaterThan(10);
  });

  it("counts crashes in a row, and starts over after the instance stayed up long enough", () => {
    expect(failuresAfterExit(0, 10, policy)).toBe(1);
    expect(failuresAfterExit(3, 4999, policy)).toBe(4);
    expect(failuresAfterExit(3, 5000, policy)).toBe(1);
  });
});
