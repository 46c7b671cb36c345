import { describe, expect, it } from "vitest";
import { formatCpuList, parseCpuList } from "./cpu-list.js";

describe("kernel CPU lists", () => {
  it("parses ranges and single CPUs", () => {
    expect(parseCpuList("0-3,8,10-11\n")).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList("0")).toEqual([0]);
    expect(parseCpuList("")).toEqual([]);
    expect(() => parseCpuList("0-")).toThrow(/malformed/);
    expect(() => parseCpuList("3-1")).toThrow(/malformed CPU range/);
  });

  it("formats runs the way the kernel does, and round-trips", () => {
    expect(formatCpuList([3, 0, 1, 2, 8, 11, 10])).toBe("0-3,8,10-11");
    expect(formatCpuList([])).toBe("");
    expect(parseCpuList(formatCpuList([5, 1, 2, 9]))).toEqual([1, 2, 5, 9]);
  });
});
