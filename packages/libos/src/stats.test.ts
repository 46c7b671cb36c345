// The stats reader against files laid out as runtime/stats_file.cpp writes them: one block (as
// before multi-queue), and a chain of per-queue blocks whose counters are summed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LibosError } from "./errors.js";
import { sumCounterGroups } from "./native-apps.js";
import { readInstanceStats } from "./stats.js";

interface BlockSpec {
  counters: [string, number][];
  queue?: { queue: number; core: number };
  sequence?: bigint;
  trailing?: bigint;
  running?: boolean;
}

function block(spec: BlockSpec, next: number): Buffer {
  const names = Buffer.from(spec.counters.map(([name]) => `${name}\0`).join(""), "utf8");
  const namesOffset = spec.queue ? 72 : 64;
  const valuesOffset = Math.ceil((namesOffset + names.length) / 8) * 8;
  const size = Math.ceil((valuesOffset + 8 * spec.counters.length + 8) / 64) * 64;
  const bytes = Buffer.alloc(size);
  const sequence = spec.sequence ?? 4n;
  bytes.write("SLUICEST", 0, "latin1");
  bytes.writeUInt32LE(1, 8);
  bytes.writeUInt32LE(spec.counters.length, 12);
  bytes.writeBigUInt64LE(1234n, 16);
  bytes.writeBigUInt64LE(spec.running === false ? 2n : 1n, 24);
  bytes.writeUInt32LE(namesOffset, 32);
  bytes.writeUInt32LE(names.length, 36);
  bytes.writeUInt32LE(valuesOffset, 40);
  bytes.writeUInt32LE(next, 44);
  bytes.writeBigUInt64LE(sequence, 48);
  bytes.writeBigUInt64LE(999n, 56);
  if (spec.queue) {
    bytes.writeUInt32LE(spec.queue.queue, 64);
    bytes.writeInt32LE(spec.queue.core, 68);
  }
  names.copy(bytes, namesOffset);
  spec.counters.forEach(([, value], i) => {
    bytes.writeBigUInt64LE(BigInt(value), valuesOffset + 8 * i);
  });
  bytes.writeBigUInt64LE(spec.trailing ?? sequence, valuesOffset + 8 * spec.counters.length);
  return bytes;
}

function chain(specs: BlockSpec[]): Buffer {
  const sizes = specs.map((spec) => block(spec, 0).length);
  let offset = 0;
  const parts = specs.map((spec, i) => {
    offset += sizes[i]!;
    return block(spec, i + 1 < specs.length ? offset : 0);
  });
  return Buffer.concat(parts);
}

const dir = mkdtempSync(join(tmpdir(), "sluice-stats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(bytes: Buffer): string {
  const path = join(dir, `stats-${files++}`);
  writeFileSync(path, bytes);
  return path;
}

describe("readInstanceStats", () => {
  it("reads a single-instance file as before, without queues", () => {
    const stats = readInstanceStats(
      file(
        block(
          {
            counters: [
              ["device.rx_packets", 7],
              ["app.datagrams", 5],
            ],
          },
          0,
        ),
      ),
    );
    expect(stats.counters).toEqual({ device: { rx_packets: 7 }, app: { datagrams: 5 } });
    expect(stats.queues).toBeUndefined();
    expect(stats.running).toBe(true);
    expect(stats.pid).toBe(1234);
  });

  it("sums the blocks of a multi-queue file and keeps each queue's counters", () => {
    const stats = readInstanceStats(
      file(
        chain([
          {
            counters: [
              ["device.rx_packets", 7],
              ["app.datagrams", 5],
            ],
            queue: { queue: 0, core: 0 },
          },
          {
            counters: [
              ["device.rx_packets", 3],
              ["app.datagrams", 2],
            ],
            queue: { queue: 1, core: -1 },
            running: false,
          },
        ]),
      ),
    );
    expect(stats.counters).toEqual({ device: { rx_packets: 10 }, app: { datagrams: 7 } });
    expect(stats.queues?.map((q) => [q.queue, q.core, q.counters.device?.rx_packets, q.running])).toEqual([
      [0, 0, 7, true],
      [1, undefined, 3, false],
    ]);
    expect(stats.running).toBe(true);
    expect(stats.sequence).toBe(8n);
  });

  it("retries while any block is mid-update, then gives up with EAGAIN", () => {
    const busy = file(
      chain([
        { counters: [["app.datagrams", 1]], queue: { queue: 0, core: 0 } },
        { counters: [["app.datagrams", 1]], queue: { queue: 1, core: 1 }, sequence: 5n, trailing: 5n },
      ]),
    );
    expect(() => readInstanceStats(busy, 3)).toThrow(expect.objectContaining({ code: "EAGAIN" }));
  });

  it("refuses a chain that points backwards or past the end", () => {
    const bytes = chain([
      { counters: [["app.datagrams", 1]], queue: { queue: 0, core: 0 } },
      { counters: [["app.datagrams", 1]], queue: { queue: 1, core: 1 } },
    ]);
    const second = bytes.length / 2; // both blocks have the same size
    const loop = Buffer.from(bytes);
    loop.writeUInt32LE(second, second + 44); // the second block names itself as the next one
    expect(() => readInstanceStats(file(loop))).toThrow(LibosError);
    expect(() => readInstanceStats(file(loop))).toThrow(/truncated or malformed/);
    const past = Buffer.from(bytes);
    past.writeUInt32LE(bytes.length + 64, 44);
    expect(() => readInstanceStats(file(past))).toThrow(/not a Sluice stats file|truncated/);
  });
});

describe("sumCounterGroups", () => {
  it("adds counters of the same group and name, keeping the others", () => {
    expect(sumCounterGroups([{ a: { x: 1, y: 2 } }, { a: { x: 3 }, b: { z: 4 } }])).toEqual({
      a: { x: 4, y: 2 },
      b: { z: 4 },
    });
  });
});
