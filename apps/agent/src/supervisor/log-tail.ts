// Reading an instance's log back: the last N lines across the current and rotated files.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { rotatedName } from "./rotating-log.js";

function readPrefix(path: string, bytes: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    let filled = 0;
    while (filled < bytes) {
      const read = readSync(fd, buffer, filled, bytes - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function readLines(path: string, limitBytes?: number): string[] | undefined {
  try {
    const text = limitBytes === undefined ? readFileSync(path, "utf8") : readPrefix(path, limitBytes);
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines;
  } catch {
    return undefined;
  }
}

/**
 * The last `count` lines, oldest first, reading rotated files (FILE.1, FILE.2, ...) as needed.
 * `currentBytes` limits how much of the current file is read, so a follower can continue exactly there.
 */
export function lastLogLines(path: string, keepFiles: number, count: number, currentBytes?: number): string[] {
  if (count <= 0) return [];
  let lines: string[] = [];
  for (let index = 0; index < keepFiles && lines.length < count; index += 1) {
    const older = readLines(rotatedName(path, index), index === 0 ? currentBytes : undefined);
    if (older === undefined) {
      if (index === 0) continue;
      break;
    }
    lines = [...older, ...lines];
  }
  return lines.slice(-count);
}
