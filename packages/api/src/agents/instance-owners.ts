// Which node and app each instance belongs to, for stats ingestion: a stats report is checked against this map
// instead of the database. An instance never moves to another node and its app never changes, so entries can
// only go stale by the instance being released; release evicts here, and the TTL covers other replicas (a
// released instance's last samples may still be charted for that long).
import { apps, appVersions, type Database, instances } from "@sluice/db";
import { eq, inArray } from "drizzle-orm";
import type { CacheCounters } from "./credentials.js";
import { TtlCache } from "./ttl-cache.js";

export interface InstanceOwner {
  nodeId: string;
  app: string;
}

export class InstanceOwners {
  private readonly byId: TtlCache<string, InstanceOwner>;
  readonly counters: CacheCounters = { hits: 0, misses: 0, evictions: 0 };

  constructor(options: { capacity: number; ttlMs: number }) {
    this.byId = new TtlCache(options.capacity, options.ttlMs);
  }

  /** Owners of the given instances; instances that do not exist are absent from the result. */
  async lookup(db: Database, ids: readonly string[], nowMs: number): Promise<Map<string, InstanceOwner>> {
    const found = new Map<string, InstanceOwner>();
    const missing: string[] = [];
    for (const id of ids) {
      const owner = this.byId.get(id, nowMs);
      if (owner) found.set(id, owner);
      else missing.push(id);
    }
    this.counters.hits += found.size;
    if (missing.length === 0) return found;
    this.counters.misses += missing.length;
    const rows = await db
      .select({ id: instances.id, nodeId: instances.nodeId, app: apps.name })
      .from(instances)
      .innerJoin(appVersions, eq(appVersions.id, instances.appVersionId))
      .innerJoin(apps, eq(apps.id, appVersions.appId))
      .where(inArray(instances.id, missing));
    for (const row of rows) {
      const owner = { nodeId: row.nodeId, app: row.app };
      this.byId.set(row.id, owner, nowMs);
      found.set(row.id, owner);
    }
    return found;
  }

  forget(instanceId: string): void {
    this.byId.delete(instanceId);
    this.counters.evictions += 1;
  }
}
