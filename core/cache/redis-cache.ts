import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StateConfig } from '../config/schema.js';
import { connectRedis } from '../state/redis-connection.js';
import type { BidCache, CachedValue, CacheEntryType, CachePut } from './bid-cache.js';

/**
 * The cache in the fleet's Redis (`state.backend: redis`): every node stores to and reads from it, so a player
 * may fetch a VAST from any node. Each value is one key, `PREFIX` + `cache:` + uuid, holding its type's letter and
 * the value, expiring with its TTL (Redis evicts it then; its `maxmemory` policy bounds the rest).
 */
export class RedisBidCache implements BidCache {
  private constructor(private readonly redis: Redis, private readonly prefix: string) {}

  /** Connects (a start-up error naming the URL when Redis does not answer). */
  static async connect(state: StateConfig['redis']): Promise<RedisBidCache> {
    return new RedisBidCache(await connectRedis(state), `${state.prefix}cache:`);
  }

  async put(values: readonly CachePut[]): Promise<string[]> {
    const uuids = values.map(() => randomUUID());
    const batch = this.redis.multi();
    values.forEach(({ type, value, ttlSeconds }, i) => batch.set(this.prefix + uuids[i], (type === 'xml' ? 'x' : 'j') + value, 'EX', ttlSeconds));
    const results = await batch.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('cache: Redis discarded the writes');
    return uuids;
  }

  async get(uuid: string): Promise<CachedValue | undefined> {
    const stored = await this.redis.get(this.prefix + uuid);
    if (stored === null || stored.length === 0) return undefined;
    const type: CacheEntryType = stored[0] === 'x' ? 'xml' : 'json';
    return { type, value: stored.slice(1) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
