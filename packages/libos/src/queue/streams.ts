// Idiomatic helpers over the queue API: an async-iterable accept, connections whose reads are
// `for await (const chunk of conn)`, and a small createServer/connect layer.
import { LibosError } from "../errors.js";
import type { Libos } from "./libos.js";
import type { Address } from "./types.js";

export class Connection implements AsyncIterable<Uint8Array> {
  private open = true;

  constructor(
    readonly libos: Libos,
    readonly qd: number,
    readonly remote: Address,
  ) {}

  /**
   * Received chunks until the peer closes. Each chunk is a LibOS buffer, valid until the loop asks
   * for the next one (then it is released); copy what must outlive the iteration.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const result = await this.libos.wait(this.libos.pop(this.qd));
      if (result.opcode !== "pop" || result.data === null) return;
      try {
        yield result.data;
      } finally {
        this.libos.release(result.data);
      }
    }
  }

  /** Sends all of `data` (zero-copy when it is a LibOS buffer) and resolves when it is pushed. */
  async write(data: Uint8Array): Promise<void> {
    await this.libos.wait(this.libos.push(this.qd, data));
  }

  /** Closes the connection (gracefully: pushes in flight finish first). Idempotent. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.libos.close(this.qd);
    } catch (error) {
      // Already gone with the whole LibOS (shut down): nothing left to close.
      if (!(error instanceof LibosError && (error.code === "ENXIO" || error.code === "EBADF"))) throw error;
    }
  }
}

/** Connections accepted on a listening qd, until the qd is closed. */
export async function* acceptConnections(libos: Libos, qd: number): AsyncGenerator<Connection> {
  for (;;) {
    let result: Awaited<ReturnType<Libos["wait"]>>;
    try {
      result = await libos.wait(libos.accept(qd));
    } catch (error) {
      if (error instanceof LibosError && (error.code === "ECANCELED" || error.code === "EBADF")) return;
      throw error;
    }
    if (result.opcode !== "accept") continue;
    yield new Connection(libos, result.accepted.qd, result.accepted.address);
  }
}

export interface Server {
  readonly address: Address;
  /** Resolves when the accept loop has ended (after close, or on an error). */
  readonly done: Promise<void>;
  close(): void;
}

/** A TCP server: `handler` runs for every connection; the connection closes when it returns. */
export function createServer(
  libos: Libos,
  address: Address,
  handler: (connection: Connection) => Promise<void> | void,
  onError: (error: unknown) => void = () => {},
): Server {
  const qd = libos.socket("tcp");
  libos.bind(qd, address);
  libos.listen(qd);
  let closed = false;
  const done = (async () => {
    for await (const connection of acceptConnections(libos, qd)) {
      void (async () => {
        try {
          await handler(connection);
        } catch (error) {
          onError(error);
        } finally {
          connection.close();
        }
      })();
    }
  })();
  return {
    address: libos.getsockname(qd),
    done,
    close() {
      if (closed) return;
      closed = true;
      libos.close(qd);
    },
  };
}

/** A TCP connection to `address`. */
export async function connect(libos: Libos, address: Address): Promise<Connection> {
  const qd = libos.socket("tcp");
  try {
    await libos.wait(libos.connect(qd, address));
  } catch (error) {
    libos.close(qd);
    throw error;
  }
  return new Connection(libos, qd, address);
}
