// Reads the counters an instance publishes to its stats file (layout in
// packages/native/runtime/stats_file.hpp). The copy is accepted only when the sequence numbers
// before and after the values agree and are even; otherwise the writer was mid-update and we retry.
import { readFileSync } from "node:fs";
import { LibosError } from "./errors.js";

export interface InstanceStats {
  pid: number;
  /** False once the instance has stopped: the values are final. */
  running: boolean;
  /** CLOCK_MONOTONIC nanoseconds of the publication. */
  publishedAtNanos: bigint;
  sequence: bigint;
  /** Counters by group ("device", "interface", "instance", "app") and name. */
  counters: Record<string, Record<string, number>>;
}

const MAGIC = "SLUICEST";
const VERSION = 1;

function parse(path: string, bytes: Buffer): InstanceStats | undefined {
  if (bytes.length < 64 || bytes.toString("latin1", 0, 8) !== MAGIC) {
    throw new LibosError("EINVAL", `${path} is not a Sluice stats file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw new LibosError("EINVAL", `${path} has stats format ${version}, expected ${VERSION}`);
  const count = view.getUint32(12, true);
  const namesOffset = view.getUint32(32, true);
  const namesSize = view.getUint32(36, true);
  const valuesOffset = view.getUint32(40, true);
  const trailingOffset = valuesOffset + 8 * count;
  if (trailingOffset + 8 > bytes.length || namesOffset + namesSize > valuesOffset) {
    throw new LibosError("EINVAL", `${path} is truncated or malformed`);
  }
  const sequence = view.getBigUint64(48, true);
  if (sequence % 2n === 1n || view.getBigUint64(trailingOffset, true) !== sequence) return undefined;
  const names = bytes
    .toString("utf8", namesOffset, namesOffset + namesSize)
    .split("\0")
    .slice(0, count);
  const counters: Record<string, Record<string, number>> = {};
  names.forEach((fullName, index) => {
    const dot = fullName.indexOf(".");
    const group = fullName.slice(0, dot);
    counters[group] ??= {};
    counters[group][fullName.slice(dot + 1)] = Number(view.getBigUint64(valuesOffset + 8 * index, true));
  });
  return {
    pid: Number(view.getBigUint64(16, true)),
    running: view.getBigUint64(24, true) === 1n,
    publishedAtNanos: view.getBigUint64(56, true),
    sequence,
    counters,
  };
}

/** One consistent snapshot of an instance's counters; EAGAIN if the writer kept it busy. */
export function readInstanceStats(path: string, attempts = 100): InstanceStats {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code === "ENOENT" ? "ENOENT" : "EIO";
      throw new LibosError(code, `cannot read stats file ${path}: ${(error as Error).message}`);
    }
    const stats = parse(path, bytes);
    if (stats) return stats;
  }
  throw new LibosError("EAGAIN", `stats file ${path} changed during every one of ${attempts} reads`);
}
