"use client";
// Table cells that show a series' newest value. They render once; the LiveCells effect writes their text from
// requestAnimationFrame when the buffer changes, so a 100-row table does not re-render every second.
import { type RefObject, useEffect } from "react";
import type { LiveBuffer } from "./buffer";
import { formatGbits, formatMpps } from "./use-live";

export function LiveCell({ seriesKey, unit }: { seriesKey: string; unit: "gbits" | "mpps" }) {
  return <td data-live-key={seriesKey} data-live-unit={unit} className="live-cell" />;
}

/** Keeps every LiveCell under `root` up to date with `buffer.latest`. */
export function useLiveCells(root: RefObject<HTMLElement | null>, buffer: LiveBuffer): void {
  useEffect(() => {
    let drawn = -1;
    let frame = 0;
    const draw = () => {
      frame = requestAnimationFrame(draw);
      const element = root.current;
      if (!element || buffer.version === drawn) return;
      drawn = buffer.version;
      for (const cell of element.querySelectorAll<HTMLElement>("[data-live-key]")) {
        const value = buffer.latest[cell.dataset.liveKey!];
        const text = !value
          ? "–"
          : cell.dataset.liveUnit === "gbits"
            ? formatGbits(value.bitsPerSecond)
            : formatMpps(value.packetsPerSecond);
        if (cell.textContent !== text) cell.textContent = text;
      }
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, [root, buffer]);
}
