// The LibOS queue API for TypeScript: the calls of sluice/libos.h, typed, over one native LibOS
// instance, with completions delivered as promises by the event-loop driver (driver.ts).
//
// Every asynchronous call returns a QToken at once and is tracked from then on; `wait(qt)` hands
// out its result exactly once. Buffers: a pop's `data` is pool memory lent to JS; `release(data)`
// returns it (afterwards it is detached: length 0, and a second release throws EALREADY); a buffer
// nobody released goes back when garbage-collected. `push(qd, data)` is zero-copy for such buffers
// (and for `sgaAlloc` ones), and copies any other Uint8Array. On xdp, tap and sim a UDP buffer is
// the device frame itself: a popped datagram's `data` lies in the frame it arrived in, pushing it
// sends that frame, and `release(data)` gives the frame back to the device.
import { loadNative, type NativeLibos } from "@sluice/native";
import { callNative, LibosError } from "../errors.js";
import { Driver, type DriverOptions } from "./driver.js";
import { type RequestApp, RequestService, type RequestServiceOptions } from "./service.js";
import { type Address, ipToNumber, ipToString, type LibosConfig, type QResult, type QToken } from "./types.js";

/**
 * The LibOS's counters. UDP datagrams are zero-copy where the device lends frames (xdp, tap, sim):
 * a pop's buffer is the frame it arrived in and a push of such a buffer sends that frame itself;
 * `...Copied` count the datagrams that were copied instead, `frameBudgetFallbacks` the copies forced
 * because the application held `frameBudget` frames already.
 */
export type LibosCounters = ReturnType<NativeLibos["counters"]>;

export interface WaitOptions {
  /** Reject with ETIMEDOUT after this long (the operation stays pending and can be waited again). */
  timeoutMs?: number;
}

export type SocketOption =
  | "SO_KEEPALIVE"
  | "SO_LINGER"
  | "SO_REUSEADDR"
  | "SO_SNDBUF"
  | "SO_RCVBUF"
  | "TCP_NODELAY"
  | "TCP_CONGESTION";

/** The promise of an issued operation (its result or its LibosError). */
type Issued = Promise<QResult>;

/** Marks a promise handled: a failure goes to whoever waits, not out as an unhandled rejection. */
const handled = (): void => {};

export class Libos {
  /**
   * Issued and not yet waited for, by the whole token: a completed operation frees its native slot
   * before anyone waits, so the slot alone could name two operations at once.
   */
  private readonly issued = new Map<QToken, Issued>();
  private closed = false;

  private constructor(
    private readonly native: NativeLibos,
    private readonly driver: Driver,
  ) {}

  /** Starts a LibOS: a configuration object, JSON text, or a path to a JSON file. */
  static init(config: LibosConfig | string, options: DriverOptions = {}): Libos {
    const text = typeof config === "string" ? config : JSON.stringify(config);
    const native = callNative(() => new (loadNative().NativeLibos)(text));
    return new Libos(native, new Driver(native, options));
  }

  get backend(): string {
    return this.native.backend();
  }

  /** Operations issued and not yet completed. */
  get pendingCount(): number {
    return this.driver.pendingCount;
  }

  socket(type: "tcp" | "udp"): number {
    const { SOCK_STREAM, SOCK_DGRAM } = loadNative().libosConstants;
    return this.call(() => this.native.socket(type === "tcp" ? SOCK_STREAM : SOCK_DGRAM));
  }

  bind(qd: number, address: Address): void {
    const ip = ipToNumber(address.ip);
    this.call(() => this.native.bind(qd, ip, address.port));
  }

  listen(qd: number, backlog = 128): void {
    this.call(() => this.native.listen(qd, backlog));
  }

  close(qd: number): void {
    this.call(() => this.native.closeQueue(qd));
  }

  setsockopt(qd: number, option: SocketOption, value: number | boolean | string): void {
    const [level, name] = this.option(option);
    const native = typeof value === "boolean" ? Number(value) : value;
    this.call(() => this.native.setsockopt(qd, level, name, native));
  }

  getsockopt(qd: number, option: SocketOption): number | string {
    const [level, name] = this.option(option);
    return this.call(() => this.native.getsockopt(qd, level, name));
  }

  getsockname(qd: number): Address {
    const { ip, port } = this.call(() => this.native.getsockname(qd));
    return { ip: ipToString(ip), port };
  }

  getpeername(qd: number): Address {
    const { ip, port } = this.call(() => this.native.getpeername(qd));
    return { ip: ipToString(ip), port };
  }

  accept(qd: number): QToken {
    return this.track(this.call(() => this.native.accept(qd)));
  }

  connect(qd: number, address: Address): QToken {
    const ip = ipToNumber(address.ip);
    return this.track(this.call(() => this.native.connect(qd, ip, address.port)));
  }

  pop(qd: number): QToken {
    return this.track(this.call(() => this.native.pop(qd)));
  }

  push(qd: number, data: Uint8Array): QToken {
    return this.track(
      this.call(() => this.native.push(qd, data)),
      data,
    );
  }

  pushto(qd: number, data: Uint8Array, to: Address): QToken {
    const ip = ipToNumber(to.ip);
    return this.track(
      this.call(() => this.native.pushto(qd, data, ip, to.port)),
      data,
    );
  }

  /**
   * A zero-copy buffer of `size` bytes (at most one pool buffer) to fill and push. On xdp, tap and
   * sim a buffer that fits one UDP datagram is a device frame itself (see docs/libos-api.md).
   */
  sgaAlloc(size: number): Uint8Array {
    return new Uint8Array(this.call(() => this.native.sgaAlloc(size)));
  }

  /** The native kv or http protocol, answering requests that an app on this LibOS carries. */
  requestService(app: RequestApp, options: RequestServiceOptions): RequestService {
    const exchange = new Uint32Array(2);
    const { NativeRequestService } = loadNative();
    return new RequestService(
      this.call(() => new NativeRequestService(this.native, app, options, exchange)),
      exchange,
    );
  }

  /** Gives a popped or allocated buffer back now. EALREADY when it was released already. */
  release(data: Uint8Array): void {
    this.call(() => this.native.release(data.buffer as ArrayBuffer));
  }

  /** The result of `qt`, once (a second wait is EINVAL). A timed-out wait leaves it pending. */
  wait(qt: QToken, options?: WaitOptions): Promise<QResult> {
    const issued = this.issuedOf(qt);
    if (!issued) return Promise.reject(new LibosError("EINVAL", `wait: qtoken ${qt} is unknown or already consumed`));
    this.forget(qt);
    // No options object is made per call: wait is on every operation's path.
    if (options?.timeoutMs === undefined) return issued;
    return this.withTimeout(issued, options.timeoutMs, `wait: qtoken ${qt}`).catch((error: unknown) => {
      // Still pending: it can be waited for again.
      if (error instanceof LibosError && error.code === "ETIMEDOUT") this.remember(qt, issued);
      throw error;
    });
  }

  /** The first of `qts` to complete: its index and result (consumed; the others stay pending). */
  async waitAny(qts: readonly QToken[], options: WaitOptions = {}): Promise<{ index: number; result: QResult }> {
    const entries = qts.map((qt) => {
      const issued = this.issuedOf(qt);
      if (!issued) throw new LibosError("EINVAL", `waitAny: qtoken ${qt} is unknown or already consumed`);
      return issued;
    });
    const race = Promise.race(
      entries.map((issued, index) =>
        issued.then(
          (result) => ({ index, result }),
          (error: unknown) => Promise.reject(Object.assign(error as Error, { index })),
        ),
      ),
    );
    const winner = await (options.timeoutMs === undefined
      ? race
      : this.withTimeout(race, options.timeoutMs, "waitAny"));
    const qt = qts[winner.index] as QToken;
    this.forget(qt);
    return winner;
  }

  /** Copies and zero-copy frames so far (read outside the data path: for tests and stats). */
  counters(): LibosCounters {
    return this.call(() => this.native.counters());
  }

  /** Stops the LibOS: pending operations reject with ECANCELED, lent buffers are detached. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.driver.close();
    this.native.close();
  }

  private track(qt: QToken, holds?: Uint8Array): QToken {
    const promise = this.driver.track(qt, holds);
    promise.catch(handled);
    this.issued.set(qt, promise);
    return qt;
  }

  private remember(qt: QToken, issued: Issued): void {
    this.issued.set(qt, issued);
  }

  private issuedOf(qt: QToken): Issued | undefined {
    return typeof qt === "bigint" ? this.issued.get(qt) : undefined;
  }

  private forget(qt: QToken): void {
    this.issued.delete(qt);
  }

  private withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LibosError("ETIMEDOUT", `${what} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private option(option: SocketOption): [number, number] {
    const constants = loadNative().libosConstants;
    const level = option.startsWith("TCP_") ? constants.IPPROTO_TCP : constants.SOL_SOCKET;
    return [level, constants[option]];
  }

  private call<T>(call: () => T): T {
    if (this.closed) throw new LibosError("ENXIO", "the LibOS was shut down");
    return callNative(call);
  }
}
