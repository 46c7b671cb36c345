// Writes a stats file in the data path's layout (packages/native/runtime/stats_file.hpp), so the
// sampler can be tested against exact counters without a device.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeStatsFile(
  path: string,
  options: {
    pid: number;
    sequence: number;
    counters: Record<string, number>;
    running?: boolean;
    /** CLOCK_MONOTONIC of the publication; default: long ago. */
    publishedAtNanos?: bigint;
  },
): void {
  const names = Object.keys(options.counters);
  const namesBlock = Buffer.from(names.map((name) => `${name}\0`).join(""), "utf8");
  const valuesOffset = Math.ceil((64 + namesBlock.length) / 8) * 8;
  const bytes = Buffer.alloc(valuesOffset + 8 * names.length + 8);
  bytes.write("SLUICEST", 0, "latin1");
  bytes.writeUInt32LE(1, 8);
  bytes.writeUInt32LE(names.length, 12);
  bytes.writeBigUInt64LE(BigInt(options.pid), 16);
  bytes.writeBigUInt64LE(options.running === false ? 2n : 1n, 24);
  bytes.writeUInt32LE(64, 32);
  bytes.writeUInt32LE(namesBlock.length, 36);
  bytes.writeUInt32LE(valuesOffset, 40);
  const sequence = BigInt(options.sequence * 2);
  bytes.writeBigUInt64LE(sequence, 48);
  bytes.writeBigUInt64LE(options.publishedAtNanos ?? BigInt(options.sequence) * 100_000_000n, 56);
  namesBlock.copy(bytes, 64);
  names.forEach((name, index) => {
    bytes.writeBigUInt64LE(BigInt(options.counters[name]!), valuesOffset + 8 * index);
  });
  bytes.writeBigUInt64LE(sequence, valuesOffset + 8 * names.length);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}
