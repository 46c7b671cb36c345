// Echo on the LibOS queue API: every TCP byte or UDP datagram goes back to its sender unchanged.
// The received buffer itself is pushed back (zero-copy) and released once the push completes.
import { type Address, type Libos, LibosError } from "@sluice/libos";

export interface EchoCounters {
  connections: number;
  messages: number;
  bytes: number;
  errors: number;
}

export interface RunningEcho {
  readonly address: Address;
  readonly counters: EchoCounters;
  /** Closes the listening/bound queue; connections end as their peers close. */
  stop(): void;
}

function expected(error: unknown): boolean {
  return error instanceof LibosError && ["ECANCELED", "EBADF", "ECONNRESET", "ENXIO"].includes(error.code);
}

/** Datagrams in flight per UDP socket: receiving goes on while earlier replies are being sent. */
const UDP_PIPELINE = 16;

async function echoConnection(libos: Libos, qd: number, counters: EchoCounters): Promise<void> {
  try {
    // The next pop is issued before the push is awaited, so receiving overlaps sending; pushes
    // still go out in the order the bytes came in.
    let pop = libos.pop(qd);
    for (;;) {
      const popped = await libos.wait(pop);
      if (popped.opcode !== "pop" || popped.data === null) return;
      const data = popped.data;
      const length = data.byteLength; // release() detaches the buffer: count first
      const push = libos.push(qd, data);
      pop = libos.pop(qd);
      await libos.wait(push);
      libos.release(data);
      counters.messages++;
      counters.bytes += length;
    }
  } catch (error) {
    if (!expected(error)) counters.errors++;
  } finally {
    try {
      libos.close(qd);
    } catch {
      // already closed by stop()
    }
  }
}

async function echoTcp(libos: Libos, listener: number, counters: EchoCounters): Promise<void> {
  for (;;) {
    const result = await libos.wait(libos.accept(listener));
    if (result.opcode !== "accept") continue;
    counters.connections++;
    void echoConnection(libos, result.accepted.qd, counters);
  }
}

async function echoUdp(libos: Libos, qd: number, counters: EchoCounters): Promise<void> {
  for (;;) {
    const popped = await libos.wait(libos.pop(qd));
    if (popped.opcode !== "pop") continue;
    const data = popped.data ?? new Uint8Array(0);
    const length = data.byteLength; // release() detaches the buffer: count first
    await libos.wait(libos.pushto(qd, data, popped.from));
    if (popped.data) libos.release(popped.data);
    counters.messages++;
    counters.bytes += length;
  }
}

/** Starts echo on `libos` at `address` over `proto`. */
export function startEcho(libos: Libos, proto: "tcp" | "udp", address: Address): RunningEcho {
  const counters: EchoCounters = { connections: 0, messages: 0, bytes: 0, errors: 0 };
  const qd = libos.socket(proto);
  libos.bind(qd, address);
  if (proto === "tcp") libos.listen(qd);
  const loops =
    proto === "tcp"
      ? [echoTcp(libos, qd, counters)]
      : Array.from({ length: UDP_PIPELINE }, () => echoUdp(libos, qd, counters));
  for (const loop of loops) {
    loop.catch((error: unknown) => {
      if (!expected(error)) counters.errors++;
    });
  }
  return {
    address: libos.getsockname(qd),
    counters,
    stop() {
      try {
        libos.close(qd);
      } catch {
        // closed already
      }
    },
  };
}
