// The TypeScript queue API over the in-process sim backend: two LibOS instances on one simulated
// wire, driven by the event-loop driver. Byte-exact TCP and UDP, waitAny, timeouts, error paths.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { LibosError } from "../errors.js";
import { Libos } from "./libos.js";
import { connect, createServer } from "./streams.js";
import type { LibosConfig, QResult } from "./types.js";

let wires = 0;
const open: Libos[] = [];

function pair(): { a: Libos; b: Libos } {
  const wire = `ts-queue-${process.pid}-${wires++}`;
  const host = (ip: string): LibosConfig => ({ backend: "sim", ipv4: `${ip}/24`, sim: { wire, seed: 3 } });
  const a = Libos.init(host("198.18.0.1"));
  const b = Libos.init(host("198.18.0.2"));
  open.push(a, b);
  return { a, b };
}

afterEach(() => {
  for (const libos of open.splice(0)) libos.shutdown();
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<LibosError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LibosError);
  expect((error as LibosError).code).toBe(code);
  return error as LibosError;
}

function throwsCode(call: () => unknown, code: string): LibosError {
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(LibosError);
  expect((caught as LibosError).code).toBe(code);
  return caught as LibosError;
}

describe("@sluice/libos queue API over sim", () => {
  it("echoes TCP byte-exactly through createServer/connect and for-await reads, 3 connections at once", async () => {
    const { a, b } = pair();
    const server = createServer(b, { ip: "0.0.0.0", port: 7000 }, async (connection) => {
      for await (const chunk of connection) await connection.write(chunk);
    });
    // Concurrent connections interleave operations, so native operation slots are reused while
    // other results wait to be collected.
    const exchange = async (size: number) => {
      const payload = randomBytes(size);
      const client = await connect(a, { ip: "198.18.0.2", port: 7000 });
      expect(a.getpeername(client.qd)).toEqual({ ip: "198.18.0.2", port: 7000 });
      const received: Buffer[] = [];
      let total = 0;
      const reader = (async () => {
        for await (const chunk of client) {
          received.push(Buffer.from(chunk)); // copied: the chunk is released after this iteration
          total += chunk.byteLength;
          if (total >= payload.length) return;
        }
      })();
      for (let offset = 0; offset < payload.length; offset += 7_777) {
        await client.write(payload.subarray(offset, offset + 7_777));
      }
      await reader;
      client.close();
      return Buffer.concat(received).equals(payload);
    };
    expect(await Promise.all([exchange(200_000), exchange(150_000), exchange(100_001)])).toEqual([true, true, true]);
    server.close();
    await server.done;
  });

  it("echoes UDP datagrams of every size byte-exactly with pushto/pop, zero-copy back", async () => {
    const { a, b } = pair();
    const server = b.socket("udp");
    b.bind(server, { ip: "0.0.0.0", port: 9000 });
    const echo = (async () => {
      for (;;) {
        const popped = await b.wait(b.pop(server));
        if (popped.opcode !== "pop" || !popped.data) return;
        await b.wait(b.pushto(server, popped.data, popped.from));
        b.release(popped.data);
      }
    })().catch(() => {});
    const client = a.socket("udp");
    a.bind(client, { ip: "198.18.0.1", port: 9001 });
    for (const size of [1, 2, 17, 512, 1000, 1472]) {
      const datagram = randomBytes(size);
      await a.wait(a.pushto(client, datagram, { ip: "198.18.0.2", port: 9000 }));
      const back = await a.wait(a.pop(client));
      expect(back.opcode).toBe("pop");
      if (back.opcode !== "pop" || !back.data) throw new Error("no datagram");
      expect(back.from).toEqual({ ip: "198.18.0.2", port: 9000 });
      expect(Buffer.from(back.data).equals(datagram)).toBe(true);
      a.release(back.data);
    }
    b.close(server);
    await echo;
    // On sim every datagram stayed in a device frame: b popped each one in the frame it arrived in
    // and sent that frame back; no payload was copied between frames and pool buffers.
    expect(b.counters()).toMatchObject({
      udpPopsZeroCopy: 6,
      udpPushesZeroCopy: 6,
      udpPopsCopied: 0,
      udpPushesCopied: 0,
    });
    expect(a.counters()).toMatchObject({ udpPopsZeroCopy: 6, udpPopsCopied: 0, udpPushesCopied: 0 });
    expect(b.counters().framesHeld).toBe(0);
    expect(a.counters().framesHeld).toBe(0);
  });

  it("waitAny names the operation that completed; the other stays pending", async () => {
    const { a, b } = pair();
    const first = b.socket("udp");
    const second = b.socket("udp");
    b.bind(first, { ip: "0.0.0.0", port: 9100 });
    b.bind(second, { ip: "0.0.0.0", port: 9101 });
    const pops = [b.pop(first), b.pop(second)];
    const sender = a.socket("udp");
    a.bind(sender, { ip: "0.0.0.0", port: 9102 });
    await a.wait(a.pushto(sender, Buffer.from("to the second"), { ip: "198.18.0.2", port: 9101 }));
    const { index, result } = await b.waitAny(pops);
    expect(index).toBe(1);
    expect(result.opcode === "pop" && Buffer.from(result.data ?? []).toString()).toBe("to the second");
    expect(b.pendingCount).toBe(1);
    await expectCode(b.wait(pops[1] as bigint), "EINVAL"); // consumed by waitAny
  });

  it("keeps a completed result for its token while a new operation reuses the native slot", async () => {
    const { a, b } = pair();
    const qd = b.socket("udp");
    b.bind(qd, { ip: "0.0.0.0", port: 9150 });
    const sender = a.socket("udp");
    a.bind(sender, { ip: "0.0.0.0", port: 9151 });
    const to = { ip: "198.18.0.2", port: 9150 };
    const first = b.pop(qd);
    await a.wait(a.pushto(sender, Buffer.from("first"), to));
    while (b.pendingCount > 0) await new Promise((resolve) => setTimeout(resolve, 5)); // collected natively
    const second = b.pop(qd); // its slot is free again: the first's result was collected
    await a.wait(a.pushto(sender, Buffer.from("second"), to));
    const text = (result: QResult) => (result.opcode === "pop" ? Buffer.from(result.data ?? []).toString() : "");
    expect(text(await b.wait(second))).toBe("second");
    expect(text(await b.wait(first))).toBe("first");
  });

  it("wait with a timeout rejects ETIMEDOUT and leaves the operation pending", async () => {
    const { a, b } = pair();
    const qd = b.socket("udp");
    b.bind(qd, { ip: "0.0.0.0", port: 9200 });
    const pop = b.pop(qd);
    const error = await expectCode(b.wait(pop, { timeoutMs: 50 }), "ETIMEDOUT");
    expect(error.message).toMatch(/timed out after 50 ms/);
    const sender = a.socket("udp");
    a.bind(sender, { ip: "0.0.0.0", port: 9201 });
    await a.wait(a.pushto(sender, Buffer.from("late"), { ip: "198.18.0.2", port: 9200 }));
    const result = await b.wait(pop, { timeoutMs: 30_000 });
    expect(result.opcode === "pop" && Buffer.from(result.data ?? []).toString()).toBe("late");
  });

  it("refuses an invalid qd with EBADF and a push on a closed qd with EBADF", () => {
    const { a } = pair();
    throwsCode(() => a.pop(12345), "EBADF");
    const qd = a.socket("udp");
    a.close(qd);
    throwsCode(() => a.push(qd, Buffer.from("x")), "EBADF");
    throwsCode(() => a.close(qd), "EBADF");
  });

  it("a released buffer is detached and a second release is EALREADY", async () => {
    const { a, b } = pair();
    const qd = b.socket("udp");
    b.bind(qd, { ip: "0.0.0.0", port: 9300 });
    const pop = b.pop(qd);
    const sender = a.socket("udp");
    a.bind(sender, { ip: "0.0.0.0", port: 9301 });
    await a.wait(a.pushto(sender, Buffer.from("buffer"), { ip: "198.18.0.2", port: 9300 }));
    const result = await b.wait(pop);
    if (result.opcode !== "pop" || !result.data) throw new Error("no datagram");
    const data = result.data;
    expect(Buffer.from(data).toString()).toBe("buffer");
    b.release(data);
    expect(data.byteLength).toBe(0); // detached: no read of freed pool memory is possible
    const again = throwsCode(() => b.release(data), "EALREADY");
    expect(again.message).toMatch(/^release: the buffer was released/);
    throwsCode(() => b.push(qd, data), "EALREADY");
    // An allocated buffer is guarded the same way.
    const own = b.sgaAlloc(64);
    own.fill(7);
    b.release(own);
    throwsCode(() => b.release(own), "EALREADY");
  });

  it("refuses a malformed configuration with the exact message", () => {
    const error = throwsCode(
      () => Libos.init({ backend: "sim", ipv4: "198.18.0.1/24", tcp: { congestion: "vegas" as "cubic" } }),
      "EINVAL",
    );
    expect(error.message).toBe('config.tcp.congestion: expected "cubic" or "newreno", got "vegas"');
    throwsCode(() => Libos.init("{not json"), "EINVAL");
  });

  it("sleeps instead of spinning while an accept is pending and nothing arrives", async () => {
    const { b } = pair();
    const server = createServer(b, { ip: "0.0.0.0", port: 7100 }, () => {});
    await new Promise((resolve) => setTimeout(resolve, 100)); // past the spin bursts
    const before = process.cpuUsage();
    const started = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = process.cpuUsage(before);
    const elapsedMicros = Number(process.hrtime.bigint() - started) / 1000;
    expect(b.pendingCount).toBe(1);
    expect((used.user + used.system) / elapsedMicros).toBeLessThan(0.5);
    server.close();
    await server.done;
  });
});
