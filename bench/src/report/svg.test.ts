import { describe, expect, it } from "vitest";
import { barChart, cdfChart, element, escapeXml, fmt, shortNumber } from "./svg.js";

const cdf = {
  title: "RTT <UDP> & more",
  unit: "µs",
  series: [
    {
      name: "kernel",
      points: [
        [50, 20],
        [99, 80],
        [99.9, 400],
      ] as Array<[number, number]>,
    },
    {
      name: "Sluice",
      points: [
        [50, 6],
        [99, 12],
        [99.9, 90],
      ] as Array<[number, number]>,
    },
  ],
};

describe("svg writer", () => {
  it("escapes text and attribute values and writes empty elements self-closed", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    expect(element("text", { x: 1.005, fill: "a<b" }, "1 < 2")).toBe('<text x="1" fill="a&lt;b">1 &lt; 2</text>');
    expect(element("rect", { width: 10 })).toBe('<rect width="10"/>');
  });

  it("formats numbers with two decimals at most, and axis labels compactly", () => {
    expect([fmt(1 / 3), fmt(2), fmt(-0.126)]).toEqual(["0.33", "2", "-0.13"]);
    expect([shortNumber(950), shortNumber(1500), shortNumber(2_000_000), shortNumber(3e9)]).toEqual([
      "950",
      "1.5k",
      "2M",
      "3G",
    ]);
  });
});

describe("latency CDF", () => {
  const svg = cdfChart(cdf);

  it("is the same text for the same input", () => {
    expect(cdfChart(structuredClone(cdf))).toBe(svg);
  });

  it("draws one step line per system with a legend, on log-scale decades that cover every value", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain("RTT &lt;UDP&gt; &amp; more");
    expect(svg).toContain(">kernel</text>");
    expect(svg).toContain(">Sluice</text>");
    // 6 µs .. 400 µs → decades 1, 10, 100, 1k.
    for (const label of [">1<", ">10<", ">100<", ">1k<"]) expect(svg).toContain(label);
    expect(svg).not.toContain(">10k<");
    // Each point gives two vertices (step), so 3 points → 6 coordinates.
    const first = /<polyline points="([^"]+)"/.exec(svg)![1]!;
    expect(first.split(" ")).toHaveLength(6);
  });

  it("places a smaller latency further left", () => {
    const xs = [...svg.matchAll(/<polyline points="([\d.]+),/g)].map((m) => Number(m[1]));
    expect(xs[1]).toBeLessThan(xs[0]!); // Sluice's p50 (6 µs) left of the kernel's (20 µs)
  });
});

describe("throughput bars", () => {
  it("scales bars to the largest value and labels each with its value", () => {
    const svg = barChart({
      title: "echoes/s",
      unit: "/s",
      bars: [
        { name: "kernel", value: 50_000 },
        { name: "Sluice", value: 100_000 },
      ],
    });
    const widths = [...svg.matchAll(/<rect x="260" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[1]).toBeCloseTo(widths[0]! * 2, 1);
    expect(svg).toContain(">50k /s<");
    expect(svg).toContain(">100k /s<");
  });
});
