// The native request protocols (kv's RESP2, http) for apps written on the queue API: the app
// carries the bytes (accept, pop, push), a RequestService turns request bytes into reply bytes.
// One parser per protocol, in C++, shared with the native apps (packages/native/apps/{kv,http}).
import type { NativeRequestService } from "@sluice/native";
import { callNative, toLibosError } from "../errors.js";

export type RequestApp = "kv" | "http";

export interface RequestServiceOptions {
  /** Connection ids are 0..connections-1 (at most this many connections at once). */
  connections: number;
  /** kv: most keys held (default 65536). */
  kvMaxKeys?: number;
  /** kv: MiB for keys and values (default 64). */
  kvMaxMemoryMiB?: number;
}

/** What a connection waits for after `handle`. */
export const NextWait = {
  /** Every complete request was answered: read more. */
  input: 0,
  /** The next reply did not fit: send what was written and call again. */
  output: 1,
  /** Send what was written, then close (QUIT, Connection: close, a framing error). */
  close: 2,
} as const;
export type NextWait = (typeof NextWait)[keyof typeof NextWait];

export class RequestService {
  /** [consumed, written] of the last handle(): read through the getters, no object per call. */
  private readonly exchange: Uint32Array;

  /** @internal Made by `Libos.requestService`. */
  constructor(
    private readonly native: NativeRequestService,
    exchange: Uint32Array,
  ) {
    this.exchange = exchange;
  }

  /** The longest request a connection must be able to buffer. */
  get maxRequest(): number {
    return this.native.maxRequest();
  }

  /** Request bytes the last handle() answered (drop them from the front of the input). */
  get consumed(): number {
    return this.exchange[0] as number;
  }

  /** Reply bytes the last handle() wrote to the front of `out`. */
  get written(): number {
    return this.exchange[1] as number;
  }

  opened(id: number): void {
    callNative(() => this.native.opened(id));
  }

  closed(id: number, oversized = false): void {
    callNative(() => this.native.closed(id, oversized));
  }

  /**
   * Answers the complete requests at the front of `input` into `out` (all of `out` is the room and
   * the largest reply this carrier offers); see `consumed`, `written`.
   */
  handle(id: number, input: Uint8Array, out: Uint8Array): NextWait {
    try {
      return this.native.handle(id, input, out); // per request batch: no closure as callNative would make
    } catch (error) {
      throw toLibosError(error);
    }
  }

  /** Counters by group: "app" (carrier and protocol), "libos", and the stack's groups. */
  counters(): Record<string, Record<string, number>> {
    return callNative(() => this.native.counters());
  }
}
