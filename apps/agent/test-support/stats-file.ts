// Writes a stats file in the data path's layout (packages/native/runtime/stats_file.hpp), so the
// sampler can be tested against exact counters without a device; with `queues`, the chain of
// per-queue blocks a multi-queue instance writes (one block per queue).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

interface StatsFileOptions {
  pid: number;
  sequence: number;
  counters: Record<string, number>;
  running?: boolean;
  /** CLOCK_MONOTONIC of the publication; default: long ago. */
  publishedAtNanos?: bigint;
}

export function writeStatsFile(
  path: string,
  options: StatsFileOptions & { queues?: { queue: number; core: number; counters: Record<string, number> }[] },
): void {
  const blocks = options.queues
    ? options.queues.map((q) => statsBlock({ ...options, counters: q.counters }, { queue: q.queue, core: q.core }))
    : [statsBlock(options)];
  let at = 0;
  blocks.forEach((block, index) => {
    at += block.length;
    if (index + 1 < blocks.length) block.writeUInt32LE(at, 44); // offset of the next block
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat(blocks));
}

function statsBlock(options: StatsFileOptions, queue?: { queue: number; core: number }): Buffer {
  const names = Object.keys(options.counters);
  const namesBlock = Buffer.from(names.map((name) => `${name}\0`).join(""), "utf8");
  const namesOffset = queue ? 72 : 64;
  const valuesOffset = Math.ceil((namesOffset + namesBlock.length) / 8) * 8;
  const bytes = Buffer.alloc(valuesOffset + 8 * names.length + 8);
  bytes.write("SLUICEST", 0, "latin1");
  bytes.writeUInt32LE(1, 8);
  bytes.writeUInt32LE(names.length, 12);
  bytes.writeBigUInt64LE(BigInt(options.pid), 16);
  bytes.writeBigUInt64LE(options.running === false ? 2n : 1n, 24);
  bytes.writeUInt32LE(namesOffset, 32);
  bytes.writeUInt32LE(namesBlock.length, 36);
  bytes.writeUInt32LE(valuesOffset, 40);
  const sequence = BigInt(options.sequence * 2);
  bytes.writeBigUInt64LE(sequence, 48);
  bytes.writeBigUInt64LE(options.publishedAtNanos ?? BigInt(options.sequence) * 100_000_000n, 56);
  if (queue) {
    bytes.writeUInt32LE(queue.queue, 64);
    bytes.writeInt32LE(queue.core, 68);
  }
  namesBlock.copy(bytes, namesOffset);
  names.forEach((name, index) => {
    bytes.writeBigUInt64LE(BigInt(options.counters[name]!), valuesOffset + 8 * index);
  });
  bytes.writeBigUInt64LE(sequence, valuesOffset + 8 * names.length);
  // Blocks start on 64-byte boundaries, like the data path's (each on its own cache lines).
  return Buffer.concat([bytes, Buffer.alloc((64 - (bytes.length % 64)) % 64)]);
}
