// Reads the counters an instance publishes to its stats file (layout in
// packages/native/runtime/stats_file.hpp). Each block is accepted only when the sequence numbers
// before and after its values agree and are even; otherwise its writer was mid-update and we retry.
// A multi-queue app's file chains one block per queue (each written by that queue's thread alone);
// `counters` is then the sum over the queues and `queues` holds each queue's own counters.
import { readFileSync } from "node:fs";
import { LibosError } from "./errors.js";
import { type CounterGroups, sumCounterGroups } from "./native-apps.js";

export interface QueueStats {
  queue: number;
  /** The CPU the queue's instance is pinned to, undefined when unpinned. */
  core?: number;
  running: boolean;
  publishedAtNanos: bigint;
  counters: CounterGroups;
}

export interface InstanceStats {
  pid: number;
  /** False once the instance has stopped (every queue's): the values are final. */
  running: boolean;
  /** CLOCK_MONOTONIC nanoseconds of the publication (the latest queue's). */
  publishedAtNanos: bigint;
  /** Grows with every publication (the sum over the queues' blocks). */
  sequence: bigint;
  /** Counters by group ("device", "interface", "instance", "app") and name; summed over queues. */
  counters: CounterGroups;
  /** Present for a multi-queue app: each queue's counters, in the order of `--queues`. */
  queues?: QueueStats[];
}

const MAGIC = "SLUICEST";
const VERSION = 1;
const HEADER_SIZE = 64;
/** Blocks written by `--queues` carry the queue and core between the header and the names. */
const QUEUE_FIELDS_SIZE = 8;

interface Block {
  pid: number;
  running: boolean;
  publishedAtNanos: bigint;
  sequence: bigint;
  counters: CounterGroups;
  queue?: { queue: number; core?: number };
  next: number;
}

function malformed(path: string): LibosError {
  return new LibosError("EINVAL", `${path} is truncated or malformed`);
}

function parseBlock(path: string, bytes: Buffer, at: number): Block | undefined {
  if (at + HEADER_SIZE > bytes.length || bytes.toString("latin1", at, at + 8) !== MAGIC) {
    throw new LibosError("EINVAL", `${path} is not a Sluice stats file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, bytes.byteLength - at);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw new LibosError("EINVAL", `${path} has stats format ${version}, expected ${VERSION}`);
  const count = view.getUint32(12, true);
  const namesOffset = view.getUint32(32, true);
  const namesSize = view.getUint32(36, true);
  const valuesOffset = view.getUint32(40, true);
  const next = view.getUint32(44, true);
  const trailingOffset = valuesOffset + 8 * count;
  if (at + trailingOffset + 8 > bytes.length || namesOffset + namesSize > valuesOffset || namesOffset < HEADER_SIZE) {
    throw malformed(path);
  }
  if (next !== 0 && next <= at) throw malformed(path);
  const sequence = view.getBigUint64(48, true);
  if (sequence % 2n === 1n || view.getBigUint64(trailingOffset, true) !== sequence) return undefined;
  const names = bytes
    .toString("utf8", at + namesOffset, at + namesOffset + namesSize)
    .split("\0")
    .slice(0, count);
  const counters: CounterGroups = {};
  names.forEach((fullName, index) => {
    const dot = fullName.indexOf(".");
    const group = fullName.slice(0, dot);
    counters[group] ??= {};
    counters[group][fullName.slice(dot + 1)] = Number(view.getBigUint64(valuesOffset + 8 * index, true));
  });
  let queue: Block["queue"];
  if (namesOffset >= HEADER_SIZE + QUEUE_FIELDS_SIZE) {
    const core = view.getInt32(HEADER_SIZE + 4, true);
    queue = { queue: view.getUint32(HEADER_SIZE, true), ...(core >= 0 ? { core } : {}) };
  }
  return {
    pid: Number(view.getBigUint64(16, true)),
    running: view.getBigUint64(24, true) === 1n,
    publishedAtNanos: view.getBigUint64(56, true),
    sequence,
    counters,
    queue,
    next,
  };
}

function parse(path: string, bytes: Buffer): InstanceStats | undefined {
  const blocks: Block[] = [];
  let at = 0;
  do {
    const block = parseBlock(path, bytes, at);
    if (!block) return undefined;
    blocks.push(block);
    at = block.next;
  } while (at !== 0);
  const [first] = blocks as [Block, ...Block[]];
  if (blocks.length === 1 && !first.queue) {
    const { next: _next, queue: _queue, ...single } = first;
    return single;
  }
  return {
    pid: first.pid,
    running: blocks.some((block) => block.running),
    publishedAtNanos: blocks.reduce(
      // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigints
      (latest, block) => (block.publishedAtNanos > latest ? block.publishedAtNanos : latest),
      0n,
    ),
    sequence: blocks.reduce((sum, block) => sum + block.sequence, 0n),
    counters: sumCounterGroups(blocks.map((block) => block.counters)),
    queues: blocks.map((block) => ({
      queue: block.queue?.queue ?? 0,
      ...(block.queue?.core !== undefined ? { core: block.queue.core } : {}),
      running: block.running,
      publishedAtNanos: block.publishedAtNanos,
      counters: block.counters,
    })),
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
