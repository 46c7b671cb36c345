// A tiny SVG writer and the two chart kinds of the report: latency CDFs (log-scale x) and throughput
// bars. Output depends only on the input (fixed number formatting, no ids or dates), so it is testable.

type Attributes = Record<string, string | number>;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[c]};`);
}

/** `<tag a="1">children</tag>`; children are already-rendered elements or escaped text. */
export function element(tag: string, attributes: Attributes, children: string[] | string = []): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(typeof value === "number" ? fmt(value) : value)}"`)
    .join("");
  const body = typeof children === "string" ? escapeXml(children) : children.join("");
  return body === "" ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${body}</${tag}>`;
}

/** Two decimals at most, no trailing zeros: stable across runs and platforms. */
export function fmt(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export function document(width: number, height: number, children: string[]): string {
  return `${element(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      "font-family": "sans-serif",
      "font-size": 12,
    },
    [element("rect", { width, height, fill: "white" }), ...children],
  )}\n`;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
export const colour = (index: number) => PALETTE[index % PALETTE.length]!;

const WIDTH = 720;
const PLOT = { left: 70, top: 40, bottom: 50 };

/** Compact number for axis labels: 1.5k, 2M. */
export function shortNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${fmt(value / 1e9)}G`;
  if (abs >= 1e6) return `${fmt(value / 1e6)}M`;
  if (abs >= 1e3) return `${fmt(value / 1e3)}k`;
  return fmt(value);
}

function legend(names: string[], x: number, y: number): string[] {
  return names.flatMap((name, i) => [
    element("rect", { x, y: y + i * 18, width: 12, height: 12, fill: colour(i) }),
    element("text", { x: x + 18, y: y + i * 18 + 10 }, name),
  ]);
}

export interface CdfInput {
  title: string;
  unit: string;
  series: Array<{ name: string; points: Array<[number, number]> }>;
}

/** Cumulative distribution: x = latency on a log scale, y = fraction of samples at or below it. */
export function cdfChart(input: CdfInput): string {
  const height = 360;
  const plotW = 480;
  // The legend gets the room its longest name needs (about 7 px a character at 12 px).
  const legendW = Math.max(120, 40 + 7 * Math.max(0, ...input.series.map((s) => s.name.length)));
  const width = PLOT.left + plotW + legendW;
  const plotH = height - PLOT.top - PLOT.bottom;
  const values = input.series.flatMap((s) => s.points.map(([, v]) => v)).filter((v) => v > 0);
  const min = values.length ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 1;
  const max = values.length ? 10 ** Math.ceil(Math.log10(Math.max(...values))) : 10;
  const decades = Math.max(1, Math.round(Math.log10(max / min)));
  const x = (v: number) => PLOT.left + (Math.log10(Math.max(v, min) / min) / decades) * plotW;
  const y = (p: number) => PLOT.top + plotH - (p / 100) * plotH;
  const parts: string[] = [
    element("text", { x: PLOT.left, y: 22, "font-size": 15, "font-weight": "bold" }, input.title),
  ];
  for (let d = 0; d <= decades; d++) {
    const v = min * 10 ** d;
    parts.push(
      element("line", { x1: x(v), y1: PLOT.top, x2: x(v), y2: PLOT.top + plotH, stroke: "#ddd" }),
      element("text", { x: x(v), y: PLOT.top + plotH + 16, "text-anchor": "middle" }, shortNumber(v)),
    );
  }
  for (const p of [0, 25, 50, 75, 90, 100]) {
    parts.push(
      element("line", { x1: PLOT.left, y1: y(p), x2: PLOT.left + plotW, y2: y(p), stroke: "#eee" }),
      element("text", { x: PLOT.left - 6, y: y(p) + 4, "text-anchor": "end" }, `${p}%`),
    );
  }
  parts.push(
    element(
      "text",
      { x: PLOT.left + plotW / 2, y: height - 12, "text-anchor": "middle" },
      `latency (${input.unit}, log scale)`,
    ),
    element("rect", { x: PLOT.left, y: PLOT.top, width: plotW, height: plotH, fill: "none", stroke: "#333" }),
  );
  input.series.forEach((series, i) => {
    const sorted = [...series.points].sort((a, b) => a[0] - b[0]);
    // A step line: the fraction holds until the next measured latency.
    const coordinates = sorted.flatMap(([p, v], k) => {
      const previous = k === 0 ? 0 : sorted[k - 1]![0];
      return [`${fmt(x(v))},${fmt(y(previous))}`, `${fmt(x(v))},${fmt(y(p))}`];
    });
    if (coordinates.length > 0)
      parts.push(
        element("polyline", { points: coordinates.join(" "), fill: "none", stroke: colour(i), "stroke-width": 2 }),
      );
  });
  parts.push(
    ...legend(
      input.series.map((s) => s.name),
      PLOT.left + plotW + 16,
      PLOT.top,
    ),
  );
  return document(width, height, parts);
}

export interface BarInput {
  title: string;
  unit: string;
  bars: Array<{ name: string; value: number }>;
}

/** Horizontal bars, one per system, labelled with their value. */
export function barChart(input: BarInput): string {
  const rowH = 26;
  const labelW = 260;
  const height = PLOT.top + input.bars.length * rowH + 40;
  const barMax = WIDTH - labelW - 90;
  const top = Math.max(0, ...input.bars.map((b) => b.value));
  const parts: string[] = [element("text", { x: 10, y: 22, "font-size": 15, "font-weight": "bold" }, input.title)];
  input.bars.forEach((bar, i) => {
    const yTop = PLOT.top + i * rowH;
    const w = top > 0 ? (bar.value / top) * barMax : 0;
    parts.push(
      element("text", { x: labelW - 8, y: yTop + 16, "text-anchor": "end" }, bar.name),
      element("rect", { x: labelW, y: yTop + 3, width: w, height: rowH - 8, fill: colour(i) }),
      element("text", { x: labelW + w + 6, y: yTop + 16 }, `${shortNumber(bar.value)} ${input.unit}`),
    );
  });
  parts.push(element("line", { x1: labelW, y1: PLOT.top - 4, x2: labelW, y2: height - 36, stroke: "#333" }));
  return document(WIDTH, height, parts);
}
