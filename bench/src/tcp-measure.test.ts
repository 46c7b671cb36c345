import { describe, expect, it } from "vitest";
import { cpuSecondsFromStat, parseIperf3Json, parsePerfReport } from "./tcp-measure.js";

describe("TCP benchmark measurements", () => {
  it("reads iperf3's receiver throughput", () => {
    const json = JSON.stringify({ end: { sum_received: { bits_per_second: 7.5e9, seconds: 5.0, bytes: 4687500000 } } });
    expect(parseIperf3Json(json)).toEqual({ bitsPerSecond: 7.5e9, seconds: 5, bytes: 4687500000 });
    expect(() => parseIperf3Json(JSON.stringify({ error: "unable to connect" }))).toThrow(/unable to connect/);
  });

  it("adds user and system ticks, even when the command name has spaces", () => {
    const stat = "4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 1000 0 0";
    expect(cpuSecondsFromStat(stat)).toBe(3);
  });

  it("reads perf's symbol rows", () => {
    const report = `# Overhead  Symbol
#
    41.20%  [.] sluice::socket::tcp::Connection::on_segment
     3.10%  [k] copy_user_generic_string                                  -      -
`;
    expect(parsePerfReport(report)).toEqual([
      { percent: 41.2, symbol: "sluice::socket::tcp::Connection::on_segment" },
      { percent: 3.1, symbol: "copy_user_generic_string" },
    ]);
  });
});
