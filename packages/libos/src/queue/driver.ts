// Drives the native LibOS from Node's event loop. While operations are pending it harvests in
// bounded bursts (native poll + ready results), yielding to Node between bursts with setImmediate;
// after `spinBursts` bursts without a completion it sleeps: on a device, on the LibOS wait
// descriptor through libuv (plus a timer for the stack's next timeout); on the sim backend, whose
// descriptor is always readable, on a backing-off timer. `busyPoll` spins while anything is pending.
// With nothing pending it still watches the descriptor (without holding the process open), so the
// stack answers ARP and handshakes.
import type { NativeLibos } from "@sluice/native";
import { errnoError, ipToString, OPCODES, type QResult, type QToken } from "./types.js";

export interface DriverOptions {
  /** Frames received per native poll (0 = one device burst). Default 64. */
  budget?: number;
  /** Spin while operations are pending instead of sleeping. Default false. */
  busyPoll?: boolean;
  /** Empty bursts before sleeping. Default 32. */
  spinBursts?: number;
}

const STRIDE = 8;
const CAPACITY = 256;
/** Virtual time a sim harvest may advance: more than a link delay, far less than a TCP timer. */
const SIM_WAIT_NS = 100_000;
const SIM_MAX_SLEEP_MS = 16;

/** Tokens below this convert to a double exactly (generation < 2^21): no BigInt arithmetic needed. */
const EXACT_LIMIT = BigInt(Number.MAX_SAFE_INTEGER);
const SLOT_RANGE = 2 ** 32;

// The operation slot (low 32 bits) and generation (high 32) of a token. Every operation passes
// here: plain double arithmetic allocates nothing, where BigInt `&` and `>>` make two BigInts.
export function slotOf(qt: QToken): number {
  return qt <= EXACT_LIMIT ? Number(qt) % SLOT_RANGE : Number(qt & 0xffffffffn);
}

export function generationOf(qt: QToken): number {
  return qt <= EXACT_LIMIT ? Math.floor(Number(qt) / SLOT_RANGE) : Number(qt >> 32n);
}

interface Pending {
  generation: number;
  qt: QToken;
  resolve: (result: QResult) => void;
  reject: (error: Error) => void;
  /** A pushed buffer, held so GC cannot reclaim it while it is the stack's. */
  holds?: Uint8Array;
}

export class Driver {
  private readonly pending = new Map<number, Pending>();
  private readonly results = new Float64Array(CAPACITY * STRIDE);
  private readonly buffers: (ArrayBuffer | null)[] = new Array(CAPACITY).fill(null);
  private readonly budget: number;
  private readonly busyPoll: boolean;
  private readonly spinBursts: number;
  private readonly sim: boolean;
  private readonly waitNs: number;
  private emptyBursts = 0;
  private simSleepMs = 1;
  private scheduled: NodeJS.Immediate | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private watching = false;
  private closed = false;

  constructor(
    private readonly native: NativeLibos,
    options: DriverOptions = {},
  ) {
    this.budget = options.budget ?? 64;
    this.busyPoll = options.busyPoll ?? false;
    this.spinBursts = options.spinBursts ?? 32;
    this.sim = native.backend() === "sim";
    this.waitNs = this.sim ? SIM_WAIT_NS : 0;
    this.idle();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Registers a just-issued `qt`; the promise settles with its result (LibosError when it fails). */
  track(qt: QToken, holds?: Uint8Array): Promise<QResult> {
    const slot = slotOf(qt);
    const generation = generationOf(qt);
    return new Promise<QResult>((resolve, reject) => {
      this.pending.set(slot, { generation, qt, resolve, reject, holds });
      this.kick();
    });
  }

  /** Forgets a token nobody will wait for any more; its result, when it comes, is dropped. */
  untrack(qt: QToken): void {
    this.pending.delete(slotOf(qt));
  }

  /** Starts bursting now (new work was issued). */
  kick(): void {
    if (this.closed || this.scheduled) return;
    this.cancelSleep();
    this.emptyBursts = 0;
    this.simSleepMs = 1;
    this.scheduled = setImmediate(this.burst);
  }

  close(): void {
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.cancelSleep();
    const error = errnoError(125 /* ECANCELED */, "the LibOS was closed");
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }

  private readonly burst = (): void => {
    this.scheduled = undefined;
    if (this.closed) return;
    const count = this.harvest();
    // The continuations of what completed run as microtasks and issue new operations (a reply's
    // push, the next pop); one more harvest after them sends those now instead of a loop turn later.
    if (count > 0) queueMicrotask(this.flush);
    if (this.pending.size === 0) {
      this.idle();
      return;
    }
    if (count > 0 || this.busyPoll || ++this.emptyBursts < this.spinBursts) {
      if (count > 0) this.emptyBursts = 0;
      this.scheduled = setImmediate(this.burst);
      return;
    }
    this.sleep();
  };

  private harvest(): number {
    const count = this.native.harvest(this.budget, this.waitNs, this.results, this.buffers);
    for (let i = 0; i < count; i++) this.dispatch(i);
    return count;
  }

  private readonly flush = (): void => {
    if (!this.closed) this.harvest();
  };

  private dispatch(i: number): void {
    const v = this.results;
    const base = i * STRIDE;
    const slot = v[base + 2] as number;
    const generation = v[base + 3] as number;
    const ret = v[base + 4] as number;
    const buffer = this.buffers[i] ?? null;
    this.buffers[i] = null;
    const entry = this.pending.get(slot);
    const opcode = OPCODES[v[base] as number] ?? "push";
    const qd = v[base + 1] as number;
    if (!entry || entry.generation !== generation) return; // untracked: nobody waits for it
    const qt = entry.qt;
    let outcome: QResult | Error;
    if (ret < 0) {
      outcome = errnoError(-ret, `${opcode} on qd ${qd}`);
    } else if (opcode === "accept") {
      const address = { ip: ipToString(v[base + 6] as number), port: v[base + 7] as number };
      outcome = { opcode, qd, qt, accepted: { qd: v[base + 5] as number, address } };
    } else if (opcode === "pop") {
      const from = { ip: ipToString(v[base + 6] as number), port: v[base + 7] as number };
      outcome = { opcode, qd, qt, data: buffer ? new Uint8Array(buffer) : null, from };
    } else {
      outcome = { opcode, qd, qt } as QResult;
    }
    this.pending.delete(slot);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  private sleep(): void {
    if (this.sim) {
      this.sleepTimer = setTimeout(this.wake, this.simSleepMs);
      this.simSleepMs = Math.min(this.simSleepMs * 2, SIM_MAX_SLEEP_MS);
      return;
    }
    const timeout = this.native.nextTimeoutMs();
    this.watch(true);
    this.sleepTimer = setTimeout(this.wake, timeout < 0 ? 1000 : Math.max(1, timeout));
  }

  /** Nothing pending: watch the descriptor without holding the process open. */
  private idle(): void {
    if (this.sim || this.closed) return;
    this.watch(false);
  }

  private watch(keepAlive: boolean): void {
    this.watching = true;
    this.native.watch(this.onReadable, keepAlive);
  }

  private readonly onReadable = (): void => {
    this.watching = false;
    this.wake();
  };

  private readonly wake = (): void => {
    this.cancelSleep();
    if (this.closed || this.scheduled) return;
    this.scheduled = setImmediate(this.burst);
  };

  private cancelSleep(): void {
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    if (this.watching) {
      this.native.unwatch();
      this.watching = false;
    }
  }
}
