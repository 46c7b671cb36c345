// One replica's in-memory state for serving agents without per-request database work: the node credential
// cache, the heartbeat recorder (its once-a-second flush), and the instance owners for stats. Other replicas'
// changes reach it on the control channel (a Postgres NOTIFY sent inside the changing transaction, so it is
// delivered exactly when the change commits). Production calls start(); tests call flush() themselves.
import type { Database, Executor } from "@sluice/db";
import { sql } from "drizzle-orm";
import { listenChannel, type Unlisten } from "../replica/listen.js";
import { NodeCredentialCache } from "./credentials.js";
import { HeartbeatRecorder } from "./heartbeats.js";
import { InstanceOwners } from "./instance-owners.js";

export const CONTROL_CHANNEL = "sluice_control";

/** A node's credentials were revoked; a node's state was changed by an operator; an instance was released. */
type ControlMessage = { revokedNode: string } | { changedNode: string } | { releasedInstance: string };

export interface AgentRuntimeOptions {
  db: Database;
  /** How long a verified credential is trusted without asking the database again. */
  credentialTtlMs?: number;
  /** How many credentials, nodes and instances are remembered (each cache evicts its least recently used). */
  capacity?: number;
  /** Keep nothing: every call asks the database (embedding without start(), e.g. a test server). */
  uncached?: boolean;
  onError?: (error: unknown, what: string) => void;
}

export const DEFAULT_CREDENTIAL_TTL_MS = 30_000;
const HEARTBEAT_REWRITE_MS = 5 * 60_000;
const INSTANCE_TTL_MS = 60_000;

export class AgentRuntime {
  readonly credentials: NodeCredentialCache;
  readonly heartbeats: HeartbeatRecorder;
  readonly instanceOwners: InstanceOwners;
  readonly counters = { controlMessages: 0, flushFailures: 0 };
  private readonly db: Database;
  private readonly onError: (error: unknown, what: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: Unlisten | undefined;
  private flushing: Promise<unknown> = Promise.resolve();

  constructor(options: AgentRuntimeOptions) {
    this.db = options.db;
    this.onError = options.onError ?? ((error, what) => console.error(`agents: ${what} failed:`, error));
    const capacity = options.uncached ? 0 : (options.capacity ?? 100_000);
    this.credentials = new NodeCredentialCache({
      capacity,
      ttlMs: options.credentialTtlMs ?? DEFAULT_CREDENTIAL_TTL_MS,
    });
    this.heartbeats = new HeartbeatRecorder({ capacity, ttlMs: HEARTBEAT_REWRITE_MS });
    this.instanceOwners = new InstanceOwners({ capacity, ttlMs: INSTANCE_TTL_MS });
  }

  /** Listens on the control channel and flushes heartbeats once a second. */
  async start(): Promise<void> {
    this.unlisten = await listenChannel(this.db, CONTROL_CHANNEL, (payload) => this.receive(payload), this.onError);
    this.timer = setInterval(() => void this.flush(), 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.unlisten?.();
  }

  /** Writes noted heartbeats; never two flushes at once (a slow database makes the next one wait). */
  flush(): Promise<unknown> {
    this.flushing = this.flushing.then(() =>
      this.heartbeats.flush(this.db).catch((error: unknown) => {
        this.counters.flushFailures += 1;
        this.onError(error, "writing heartbeat times");
      }),
    );
    return this.flushing;
  }

  /** Applies a change made on this replica at once; others get it from the NOTIFY sent by `announce`. */
  apply(message: ControlMessage): void {
    if ("revokedNode" in message) {
      this.credentials.evictNode(message.revokedNode);
      this.heartbeats.forget(message.revokedNode);
    } else if ("changedNode" in message) {
      this.heartbeats.forget(message.changedNode);
    } else {
      this.instanceOwners.forget(message.releasedInstance);
    }
  }

  private receive(payload: string): void {
    this.counters.controlMessages += 1;
    try {
      this.apply(JSON.parse(payload) as ControlMessage);
    } catch (error) {
      this.onError(error, "reading a control message");
    }
  }
}

/** Tells every replica (this one included) about a change, when the transaction `tx` commits. */
export async function announce(tx: Executor, message: ControlMessage): Promise<void> {
  await tx.execute(sql`select pg_notify(${CONTROL_CHANNEL}, ${JSON.stringify(message)})`);
}
