import { describe, expect, it } from "vitest";
import { parseCpuList, readHostSummary } from "./host.js";

describe("host inventory", () => {
  it("parses kernel CPU lists", () => {
    expect(parseCpuList("0-3,8,10-11\n")).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList("0")).toEqual([0]);
    expect(() => parseCpuList("0-")).toThrow(/malformed/);
    expect(() => parseCpuList("3-1")).toThrow(/malformed CPU range/);
  });

  it("reads this machine", () => {
    const summary = readHostSummary();
    expect(summary.onlineCpus.length).toBeGreaterThan(0);
    expect(summary.kernel).toMatch(/^\d+\.\d+/);
    expect(summary.backends.map((b) => b.backend)).toContain("xdp");
  });
});
