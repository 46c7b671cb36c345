// kv and http on the LibOS queue API: this file carries the bytes (accept, pop, push), the native
// protocol behind `libos.requestService` answers them, so both implementations share one RESP2 and
// one HTTP parser and reply alike byte for byte.
//
// Per connection: popped bytes are appended to the connection's request buffer (max_request
// bytes, reused by connection id), the complete requests at its front are answered into one shared
// reply buffer, and the replies of a whole popped chunk go out as one push (pipelined requests
// become one segment). At most one push per connection is in flight: a client that does not read
// its replies stops being read (TCP's flow control does the rest), as in the native carrier.
import {
  type Address,
  type Libos,
  LibosError,
  NextWait,
  type QToken,
  type RequestApp,
  type RequestService,
} from "@sluice/libos";

export interface RequestServerOptions {
  /** Connections served at once (the stack's tcp.max_connections). Default 64. */
  connections?: number;
  /** kv: most keys held. */
  kvMaxKeys?: number;
  /** kv: MiB for keys and values. */
  kvMaxMemoryMiB?: number;
}

export interface RunningRequestServer {
  readonly address: Address;
  /** The service's counters: "app" (carrier and protocol), "libos" and the stack's groups. */
  counters(): Record<string, Record<string, number>>;
  /** Closes the listening queue; connections end as their peers close. */
  stop(): void;
}

/** The largest reply one handle() may write (as the native carrier's reply buffer). */
const MAX_REPLY = 64 * 1024;
const DEFAULT_CONNECTIONS = 64;

function expected(error: unknown): boolean {
  return error instanceof LibosError && ["ECANCELED", "EBADF", "ECONNRESET", "ENXIO", "EPIPE"].includes(error.code);
}

class RequestServer {
  /** Shared by every connection: push copies the bytes before it returns. */
  private readonly replies = new Uint8Array(MAX_REPLY);
  /** Request buffers by connection id, made on first use and reused. */
  private readonly inputs: (Uint8Array | undefined)[] = [];
  private readonly freeIds: number[];
  /** Connections refused because every id was in use, and failures nobody expects. */
  refused = 0;
  errors = 0;

  constructor(
    private readonly libos: Libos,
    readonly service: RequestService,
    connections: number,
  ) {
    this.freeIds = Array.from({ length: connections }, (_, i) => connections - 1 - i);
  }

  async acceptLoop(listener: number): Promise<void> {
    for (;;) {
      const result = await this.libos.wait(this.libos.accept(listener));
      if (result.opcode !== "accept") continue;
      const id = this.freeIds.pop();
      if (id === undefined) {
        this.refused++;
        this.libos.close(result.accepted.qd);
        continue;
      }
      void this.serve(result.accepted.qd, id);
    }
  }

  private async serve(qd: number, id: number): Promise<void> {
    const { libos, service } = this;
    service.opened(id);
    let input = this.inputs[id];
    if (input === undefined) {
      input = new Uint8Array(service.maxRequest);
      this.inputs[id] = input;
    }
    let size = 0;
    let push: QToken | undefined;
    let oversized = false;
    try {
      // Replies go out at once, not after the previous one's ACK (as the native carrier, Redis, nginx).
      libos.setsockopt(qd, "TCP_NODELAY", true);
      let pop = libos.pop(qd);
      for (;;) {
        const popped = await libos.wait(pop);
        if (popped.opcode !== "pop" || popped.data === null) return;
        const data = popped.data;
        let taken = 0;
        let next: NextWait = NextWait.input;
        while (taken < data.byteLength && next !== NextWait.close) {
          const take = Math.min(data.byteLength - taken, input.byteLength - size);
          input.set(take === data.byteLength ? data : data.subarray(taken, taken + take), size);
          size += take;
          taken += take;
          // Answer everything complete; a reply that did not fit goes out first, then the rest.
          for (;;) {
            next = service.handle(id, input.subarray(0, size), this.replies);
            const consumed = service.consumed;
            const written = service.written;
            if (written > 0) {
              if (push !== undefined) await libos.wait(push);
              push = libos.push(qd, this.replies.subarray(0, written));
            }
            if (consumed > 0) {
              input.copyWithin(0, consumed, size);
              size -= consumed;
            }
            if (next !== NextWait.output) break;
          }
          if (next !== NextWait.close && size === input.byteLength) {
            // A full buffer without one complete request: the protocol should have refused it.
            oversized = true;
            next = NextWait.close;
          }
        }
        libos.release(data);
        if (next === NextWait.close) return;
        pop = libos.pop(qd);
        if (push !== undefined) {
          await libos.wait(push);
          push = undefined;
        }
      }
    } catch (error) {
      if (!expected(error)) this.errors++;
    } finally {
      if (push !== undefined) await libos.wait(push).catch(() => {}); // the last replies go before the FIN
      service.closed(id, oversized);
      this.freeIds.push(id);
      try {
        libos.close(qd);
      } catch {
        // closed with the whole LibOS already
      }
    }
  }
}

/** Starts kv or http on `libos` at `address` (TCP). */
export function startRequestServer(
  libos: Libos,
  app: RequestApp,
  address: Address,
  options: RequestServerOptions = {},
): RunningRequestServer {
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  const service = libos.requestService(app, {
    connections,
    ...(options.kvMaxKeys === undefined ? {} : { kvMaxKeys: options.kvMaxKeys }),
    ...(options.kvMaxMemoryMiB === undefined ? {} : { kvMaxMemoryMiB: options.kvMaxMemoryMiB }),
  });
  const server = new RequestServer(libos, service, connections);
  const qd = libos.socket("tcp");
  libos.bind(qd, address);
  libos.listen(qd);
  server.acceptLoop(qd).catch((error: unknown) => {
    if (!expected(error)) server.errors++;
  });
  let stopped = false;
  return {
    address: libos.getsockname(qd),
    counters() {
      const counters = service.counters();
      const appGroup = counters.app ?? {};
      counters.app = { ...appGroup, refused: server.refused, carrier_errors: server.errors };
      return counters;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        libos.close(qd);
      } catch {
        // closed already
      }
    },
  };
}
