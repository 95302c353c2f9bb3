import { randomUUID } from 'node:crypto';
import type { BidCache, CachedValue, CachePut } from './bid-cache.js';

/** How often expired entries are swept out (a read of an expired entry also drops it). */
const SWEEP_EVERY_MS = 30_000;

interface Entry extends CachedValue {
  readonly expiresAt: number;
  readonly bytes: number;
}

/**
 * The cache in this process's memory, bounded by `maxBytes` (UTF-16 size of the values): over it, the oldest
 * entries go first, so a flood of puts costs the cache its oldest entries, never the process its memory.
 */
export class MemoryBidCache implements BidCache {
  /** In insertion order: the first entry is the oldest. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxBytes: number, private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  async put(values: readonly CachePut[]): Promise<string[]> {
    const now = this.now();
    return values.map(({ type, value, ttlSeconds }) => {
      const uuid = randomUUID();
      const bytes = value.length * 2;
      this.entries.set(uuid, { type, value, expiresAt: now + ttlSeconds * 1000, bytes });
      this.bytes += bytes;
      for (const [oldest, entry] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.drop(oldest, entry);
      }
      return uuid;
    });
  }

  async get(uuid: string): Promise<CachedValue | undefined> {
    const entry = this.entries.get(uuid);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.drop(uuid, entry);
      return undefined;
    }
    return { type: entry.type, value: entry.value };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.bytes = 0;
  }

  private sweep(): void {
    const now = this.now();
    for (const [uuid, entry] of this.entries) if (entry.expiresAt <= now) this.drop(uuid, entry);
  }

  private drop(uuid: string, entry: Entry): void {
    this.entries.delete(uuid);
    this.bytes -= entry.bytes;
  }
}
