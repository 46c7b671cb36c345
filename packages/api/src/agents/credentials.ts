// Node credential verification without a database round trip per agent call: credential hash -> node, in a
// bounded LRU whose entries also expire after a short TTL. Revocation evicts at once on the replica that
// revokes and, through the control channel (runtime.ts), on every other replica; the TTL bounds how long a
// replica that missed the notification (a broken LISTEN connection) can go on accepting the credential.
import { type Database, nodeCredentials, nodes } from "@sluice/db";
import { and, eq, isNull } from "drizzle-orm";
import { hashSecret } from "../security/secrets.js";
import { TtlCache } from "./ttl-cache.js";

export interface NodeIdentity {
  nodeId: string;
  nodeName: string;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  evictions: number;
}

export class NodeCredentialCache {
  private readonly byHash: TtlCache<string, NodeIdentity>;
  /** Bumped by every eviction, so a lookup that raced a revocation does not cache what it read before it. */
  private generation = 0;
  readonly counters: CacheCounters = { hits: 0, misses: 0, evictions: 0 };

  constructor(options: { capacity: number; ttlMs: number }) {
    this.byHash = new TtlCache(options.capacity, options.ttlMs);
  }

  async resolve(db: Database, bearer: string, nowMs: number): Promise<NodeIdentity | undefined> {
    const hash = hashSecret(bearer);
    const cached = this.byHash.get(hash, nowMs);
    if (cached) {
      this.counters.hits += 1;
      return cached;
    }
    this.counters.misses += 1;
    const generation = this.generation;
    const [row] = await db
      .select({ nodeId: nodes.id, nodeName: nodes.name })
      .from(nodeCredentials)
      .innerJoin(nodes, eq(nodes.id, nodeCredentials.nodeId))
      .where(and(eq(nodeCredentials.secretHash, hash), isNull(nodeCredentials.revokedAt)));
    // Unknown credentials are not cached: they are rare, and caching them would let a flood fill the cache.
    if (row && generation === this.generation) this.byHash.set(hash, row, nowMs);
    return row;
  }

  /** Forgets every credential of the node (revoked, or the node removed). */
  evictNode(nodeId: string): void {
    this.generation += 1;
    this.counters.evictions += this.byHash.deleteWhere((identity) => identity.nodeId === nodeId);
  }

  get size(): number {
    return this.byHash.size;
  }
}
