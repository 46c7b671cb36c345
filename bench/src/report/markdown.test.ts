import { describe, expect, it } from "vitest";
import { cpuModel, describeNics, memoryGiB } from "./machine.js";
import { cell, formatNumber, renderReport, table } from "./markdown.js";
import { resultFromScriptOutput } from "./script-module.js";
import { parseBound, pointsFromSamples, type RunRecord, targetMet } from "./types.js";

const run: RunRecord = {
  date: "2026-11-25T12:00:00.000Z",
  quick: true,
  machine: {
    cpu: "Test CPU",
    cores: 2,
    memoryGiB: 24,
    kernel: "6.18.0",
    node: "v20.20.2",
    nics: ["eth0 (virtio_net)"],
    commit: "abc1234",
  },
  modules: [
    {
      name: "udp-echo",
      title: "UDP echo",
      seconds: 61.4,
      result: {
        tables: [
          {
            title: "Round trips",
            columns: ["pair", "round trips/s", "p50 µs"],
            rows: [
              ["kernel | pair", 43210, 21.5],
              ["Sluice", 90000, null],
            ],
          },
        ],
        latency: [{ title: "RTT", unit: "µs", series: [{ name: "kernel", points: [[50, 21.5]] }] }],
        throughput: [{ title: "Echoes/s", unit: "/s", bars: [{ name: "kernel", value: 43210 }] }],
        targets: [
          { metric: "p50 ratio", value: 0.25, comparison: "<=", bound: 0.3 },
          { metric: "rate ratio", value: 1.2, comparison: ">=", bound: 1.7 },
          { metric: "missing", value: null, comparison: ">=", bound: 1 },
        ],
        settings: { seconds: 2 },
      },
    },
    { name: "tcp", title: "TCP", seconds: 3, error: "sockperf exited with 1" },
  ],
};

describe("report", () => {
  const report = renderReport(run, "results/charts");

  it("is the same for the same run", () => {
    const again = renderReport(structuredClone(run), "results/charts");
    expect(again.markdown).toBe(report.markdown);
    expect([...again.charts]).toEqual([...report.charts]);
  });

  it("describes the machine, the commit and the mode", () => {
    expect(report.markdown).toContain("2026-11-25T12:00:00.000Z, commit `abc1234`, quick mode");
    expect(report.markdown).toContain("| CPU | Test CPU (2 logical cores) |");
    expect(report.markdown).toContain("| NICs (driver) | eth0 (virtio_net) |");
  });

  it("marks every target pass, miss or no data, in the summary and per module", () => {
    expect(report.markdown).toContain("1 of 3 targets met.");
    expect(report.markdown).toContain("| udp-echo | p50 ratio | 0.250 | <= 0.3 | ✅ pass |");
    expect(report.markdown).toContain("| udp-echo | rate ratio | 1.20 | >= 1.7 | ❌ miss |");
    expect(report.markdown).toContain("| udp-echo | missing | — | >= 1 | no data |");
  });

  it("renders tables with escaped cells, right-aligned numbers and a dash for no value", () => {
    expect(report.markdown).toContain("| pair | round trips/s | p50 µs |\n|---|---:|---:|");
    expect(report.markdown).toContain("| kernel \\| pair | 43,210 | 21.50 |");
    expect(report.markdown).toContain("| Sluice | 90,000 | — |");
  });

  it("links one chart file per chart, and reports a failed module with its error", () => {
    expect([...report.charts.keys()]).toEqual(["udp-echo-rtt.svg", "udp-echo-echoes-s.svg"]);
    expect(report.markdown).toContain("![RTT](results/charts/udp-echo-rtt.svg)");
    expect(report.markdown).toContain("## TCP\n\nModule `tcp`, 3 s.\n\n**Failed:** sockperf exited with 1");
  });
});

describe("pieces", () => {
  it("formats cells and numbers", () => {
    expect([cell(null), cell(Number.NaN), cell("a\nb"), formatNumber(0.12345), formatNumber(123.456)]).toEqual([
      "—",
      "—",
      "a b",
      "0.123",
      "123.5",
    ]);
    expect(table(["a"], [])).toBe("| a |\n|---|");
  });

  it("parses and evaluates target bounds, refusing anything else", () => {
    expect(parseBound(">= 1.7")).toEqual({ comparison: ">=", bound: 1.7 });
    expect(parseBound("<=0.3")).toEqual({ comparison: "<=", bound: 0.3 });
    expect(() => parseBound("about 2")).toThrow(/"about 2" is not of the form/);
    expect(targetMet({ metric: "m", value: 1.7, comparison: ">=", bound: 1.7 })).toBe(true);
    expect(targetMet({ metric: "m", value: 0.31, comparison: "<=", bound: 0.3 })).toBe(false);
  });

  it("reduces raw samples to percentile points", () => {
    const points = pointsFromSamples(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    expect(points.find(([p]) => p === 0)).toEqual([0, 1]);
    expect(points.find(([p]) => p === 50)).toEqual([50, 501]);
    expect(points.at(-1)).toEqual([100, 1000]);
    expect(pointsFromSamples([])).toEqual([]);
  });

  it("reads the machine description from /proc text and the inventory", () => {
    expect(cpuModel("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n")).toBe("AMD EPYC 7B13");
    expect(memoryGiB("MemTotal:       25165824 kB\n")).toBe(24);
    expect(
      describeNics([
        { name: "eth0", driver: "ice", virtual: false, loopback: false },
        { name: "lo", driver: null, virtual: true, loopback: true },
        { name: "veth1", driver: "veth", virtual: true, loopback: false },
      ]),
    ).toEqual(["eth0 (ice)"]);
  });

  it("turns a standalone script's results (runs, ratios, targets) into a module result", () => {
    const result = resultFromScriptOutput({
      runs: [
        { name: "kernel pair", window: 1, roundTripsPerSecond: 40000, p50Us: 20, p99Us: 40, p999Us: 90 },
        { name: "Sluice pair", window: 1, roundTripsPerSecond: 90000, p50Us: 6, p99Us: 10, p999Us: 30 },
      ],
      ratios: { rate: 2.25, p50: 0.3 },
      targets: { rate: ">= 1.7" },
    });
    expect(result.targets).toEqual([{ metric: "rate", value: 2.25, comparison: ">=", bound: 1.7 }]);
    expect(result.tables[0]!.columns).toEqual(["name", "window", "roundTripsPerSecond", "p50Us", "p99Us", "p999Us"]);
    expect(result.latency![0]!.series[1]).toEqual({
      name: "Sluice pair, window 1",
      points: [
        [50, 6],
        [99, 10],
        [99.9, 30],
      ],
    });
    expect(result.throughput![0]!.bars.map((b) => b.value)).toEqual([40000, 90000]);
  });

  it("applies a script's single free-text target to each of its ratios", () => {
    const result = resultFromScriptOutput({
      runs: [{ server: "capi", load: "udp", window: 64, roundTripsPerSecond: 9, p50Us: null, p99Us: null }],
      ratios: { udpWindow64CapiOverRaw: 0.95, tcpBulkCapiOverRaw: null },
      target: ">= 0.9 (at most 10% throughput overhead)",
    });
    expect(result.targets).toEqual([
      { metric: "udpWindow64CapiOverRaw", value: 0.95, comparison: ">=", bound: 0.9 },
      { metric: "tcpBulkCapiOverRaw", value: null, comparison: ">=", bound: 0.9 },
    ]);
    expect(result.latency).toEqual([]);
    expect(result.throughput![0]!.bars).toEqual([{ name: "capi, udp, window 64", value: 9 }]);
  });
});
