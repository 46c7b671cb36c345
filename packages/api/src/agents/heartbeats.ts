// Heartbeats that change nothing cost no transaction. A heartbeat's digest (inventory and instance statuses)
// is compared with the one this replica last wrote for the node: when equal, only "seen now" is noted, and
// once a second every noted node's last_heartbeat_at is written in one UPDATE ... FROM (VALUES ...).
//
// The same flush is how this replica learns what others did: it returns each node's state and stored digest,
// and a node whose digest differs (another replica wrote a newer heartbeat) or that was marked down (timeout
// sweep) is forgotten, so its next heartbeat takes the full path again. Entries also expire, so even a node
// that nothing happened to is rewritten in full every few minutes.
import { createHash } from "node:crypto";
import { type Database, nodes } from "@sluice/db";
import type { Heartbeat } from "@sluice/proto";
import { eq, sql } from "drizzle-orm";
import { TtlCache } from "./ttl-cache.js";

export type NodeState = (typeof nodes.$inferSelect)["state"];

/** What a heartbeat says, as one string; equal digests mean the full write would change nothing. */
export function heartbeatDigest(heartbeat: Heartbeat): string {
  return createHash("sha256").update(JSON.stringify(heartbeat)).digest("base64url");
}

interface Written {
  digest: string;
  state: NodeState;
}

/** Rows per UPDATE statement: two parameters each, far below Postgres's 65,535. */
const FLUSH_CHUNK = 5000;

export class HeartbeatRecorder {
  private readonly written: TtlCache<string, Written>;
  private pending = new Map<string, Date>();
  readonly counters = { unchanged: 0, written: 0, flushedRows: 0, flushes: 0, forgotten: 0 };

  constructor(options: { capacity: number; ttlMs: number }) {
    this.written = new TtlCache(options.capacity, options.ttlMs);
  }

  /**
   * The node's state when this heartbeat repeats the last one written, noting that the node was seen at `at`;
   * undefined when the heartbeat must be written in full.
   */
  unchanged(nodeId: string, digest: string, at: Date): NodeState | undefined {
    const written = this.written.get(nodeId, at.getTime());
    if (!written || written.digest !== digest) return undefined;
    this.counters.unchanged += 1;
    this.pending.set(nodeId, at);
    return written.state;
  }

  /**
   * For a node this replica holds nothing about (it started, or the entry expired): when the digest stored by
   * the last full write equals this heartbeat's, remember it and note the time — one indexed read instead of a
   * full write, so a restarted replica facing a whole fleet does not rewrite every inventory at once.
   */
  async unchangedInDatabase(db: Database, nodeId: string, digest: string, at: Date): Promise<NodeState | undefined> {
    const [row] = await db
      .select({ digest: nodes.heartbeatDigest, state: nodes.state })
      .from(nodes)
      .where(eq(nodes.id, nodeId));
    if (!row || row.digest !== digest || row.state === "down" || row.state === "joining") return undefined;
    this.written.set(nodeId, { digest, state: row.state }, at.getTime());
    return this.unchanged(nodeId, digest, at);
  }

  /** After a full write. A note from before it is dropped: the full write stored a newer time. */
  remember(nodeId: string, digest: string, state: NodeState, at: Date): void {
    this.counters.written += 1;
    this.pending.delete(nodeId);
    this.written.set(nodeId, { digest, state }, at.getTime());
  }

  forget(nodeId: string): void {
    this.counters.forgotten += 1;
    this.written.delete(nodeId);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes every noted last_heartbeat_at; a time never moves backwards (another replica may have written later). */
  async flush(db: Database): Promise<number> {
    if (this.pending.size === 0) return 0;
    const noted = [...this.pending];
    this.pending = new Map();
    this.counters.flushes += 1;
    let rows = 0;
    for (let start = 0; start < noted.length; start += FLUSH_CHUNK) {
      const chunk = noted.slice(start, start + FLUSH_CHUNK);
      const values = sql.join(
        chunk.map(([nodeId, at]) => sql`(${nodeId}::uuid, ${at.toISOString()}::timestamptz)`),
        sql`, `,
      );
      const result = await db.execute(sql`
        update ${nodes} set last_heartbeat_at = greatest(${nodes.lastHeartbeatAt}, seen.at)
        from (values ${values}) as seen(id, at)
        where ${nodes.id} = seen.id
        returning ${nodes.id} as id, ${nodes.state} as state, ${nodes.heartbeatDigest} as digest`);
      const returned = new Map(rowsOf<FlushedRow>(result).map((row) => [row.id, row]));
      for (const [nodeId, at] of chunk) {
        const row = returned.get(nodeId);
        const written = this.written.get(nodeId, at.getTime());
        if (!written) continue;
        if (!row || row.state === "down" || row.digest !== written.digest) this.forget(nodeId);
        else written.state = row.state;
      }
      rows += returned.size;
    }
    this.counters.flushedRows += rows;
    return rows;
  }
}

interface FlushedRow {
  id: string;
  state: NodeState;
  digest: string | null;
}

/** drizzle's execute() returns rows directly on PGlite's driver and a QueryResult on node-postgres. */
function rowsOf<Row>(result: unknown): Row[] {
  return Array.isArray(result) ? (result as Row[]) : ((result as { rows: Row[] }).rows ?? []);
}
