// A bounded map whose entries also expire: the least recently used entry goes when it is full, and an entry older
// than the TTL is treated as absent. Time is passed in (milliseconds), so tests move it instead of waiting.
// A Map keeps insertion order; re-inserting on every hit makes that order "least recently used first".

export class TtlCache<Key, Value> {
  private readonly entries = new Map<Key, { value: Value; storedAtMs: number }>();

  constructor(
    readonly capacity: number,
    readonly ttlMs: number,
  ) {
    // A capacity of 0 is a cache that keeps nothing (callers that must always ask the database).
    if (!(capacity >= 0) || !(ttlMs > 0)) throw new Error("a TTL cache needs a capacity >= 0 and a positive TTL");
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: Key, nowMs: number): Value | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (nowMs - entry.storedAtMs >= this.ttlMs || nowMs < entry.storedAtMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: Key, value: Value, nowMs: number): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, storedAtMs: nowMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as Key);
  }

  delete(key: Key): void {
    this.entries.delete(key);
  }

  /** Removes every entry whose value matches; a linear scan, for rare events such as a revocation. */
  deleteWhere(matches: (value: Value) => boolean): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (matches(entry.value)) {
        this.entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  clear(): void {
    this.entries.clear();
  }
}
