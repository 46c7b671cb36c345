"use client";
// A uPlot chart over a LiveBuffer. React renders the container once; a requestAnimationFrame loop redraws
// when the buffer's version moves, and rebuilds the plot only when the set of lines changes (a queue appears).
// The newest plotted value of the first line is mirrored in `data-last` for tests and for screen readers.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { LiveBuffer } from "./buffer";

export interface ChartLine {
  label: string;
  /** One value per second of the buffer's axis, already in the chart's unit. */
  values: (number | null)[];
}

const COLOURS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#be185d", "#4b5563"];

export function LiveChart({
  buffer,
  title,
  unit,
  lines,
  testId,
}: {
  buffer: LiveBuffer;
  title: string;
  unit: string;
  lines: (buffer: LiveBuffer) => ChartLine[];
  testId: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  // The line function may be a new closure on every render; the loop always reads the newest one.
  const linesRef = useRef(lines);
  linesRef.current = lines;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let plot: uPlot | undefined;
    let signature = "";
    let drawn = -1;
    let frame = 0;
    const draw = () => {
      frame = requestAnimationFrame(draw);
      if (buffer.version === drawn) return;
      drawn = buffer.version;
      const current = linesRef.current(buffer);
      const data = [buffer.seconds, ...current.map((line) => line.values)] as uPlot.AlignedData;
      const labels = current.map((line) => line.label).join("\n");
      if (!plot || labels !== signature) {
        plot?.destroy();
        signature = labels;
        plot = new uPlot(
          {
            width: Math.max(300, element.clientWidth),
            height: 180,
            series: [
              {},
              ...current.map((line, index) => ({
                label: line.label,
                stroke: COLOURS[index % COLOURS.length]!,
                width: 1.5,
                spanGaps: false,
              })),
            ],
            axes: [{}, { label: unit, size: 60 }],
            scales: { y: { range: (_u, _min, max) => [0, Math.max(max, 0.001)] } },
            legend: { live: false },
          },
          data,
          element.querySelector<HTMLDivElement>("[data-plot]")!,
        );
      } else {
        plot.setData(data);
      }
      const first = current[0]?.values;
      const last = first?.findLast((value) => value !== null);
      element.dataset.last = last === undefined || last === null ? "" : String(last);
      element.dataset.points = String(first?.filter((value) => value !== null).length ?? 0);
    };
    frame = requestAnimationFrame(draw);
    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(300, element.clientWidth), height: 180 }));
    resize.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      plot?.destroy();
    };
  }, [buffer, unit]);

  return (
    <figure className="live-chart" ref={container} data-testid={testId} data-last="" data-points="0">
      <figcaption>
        {title} <span className="muted">({unit})</span>
      </figcaption>
      <div data-plot />
    </figure>
  );
}

/** rx + tx of one series in Gbit/s, or Mpps. */
export function throughput(buffer: LiveBuffer, key: string, unit: "gbits" | "mpps"): (number | null)[] {
  const series = buffer.series.get(key);
  if (!series) return buffer.seconds.map(() => null);
  const [rx, tx, scale] =
    unit === "gbits" ? [series.rxBits, series.txBits, 1e9] : [series.rxPackets, series.txPackets, 1e6];
  return rx.map((value, index) => (value === null ? null : (value + (tx[index] ?? 0)) / scale));
}
