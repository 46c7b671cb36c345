// Reading an instance's log back: the last N lines across the current and rotated files.
import { readFileSync } from "node:fs";
import { rotatedName } from "./rotating-log.js";

function readLines(path: string): string[] | undefined {
  try {
    const text = readFileSync(path, "utf8");
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines;
  } catch {
    return undefined;
  }
}

/** The last `count` lines, oldest first, reading rotated files (FILE.1, FILE.2, ...) as needed. */
export function lastLogLines(path: string, keepFiles: number, count: number): string[] {
  if (count <= 0) return [];
  let lines: string[] = [];
  for (let index = 0; index < keepFiles && lines.length < count; index += 1) {
    const older = readLines(rotatedName(path, index));
    if (older === undefined) {
      if (index === 0) continue;
      break;
    }
    lines = [...older, ...lines];
  }
  return lines.slice(-count);
}
