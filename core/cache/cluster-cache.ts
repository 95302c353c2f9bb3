import type { ClusterChannel } from '../plugin/cluster-channel.js';
import type { BidCache, CachedValue, CachePut } from './bid-cache.js';

/** The cluster channel's topics the primary's cache is served on. */
const CACHE_TOPICS = { put: 'cache:put', get: 'cache:get' } as const;

/** Serves the cache topics from `cache` (in the primary of `rtb start --workers N`, with `state.backend: local`). */
export function serveBidCache(channel: ClusterChannel, cache: BidCache): void {
  channel.serve(CACHE_TOPICS.put, (values) => cache.put(values as CachePut[]));
  channel.serve(CACHE_TOPICS.get, async (uuid) => (await cache.get(String(uuid))) ?? null);
}

/**
 * The cluster primary's cache as a worker reaches it: every worker of the machine stores to and reads from the
 * same memory, so a `GET /cache` finds what another worker's auction stored.
 */
export class ClusterBidCache implements BidCache {
  constructor(private readonly channel: ClusterChannel) {}

  put(values: readonly CachePut[]): Promise<string[]> {
    return this.channel.request<string[]>(CACHE_TOPICS.put, values);
  }

  async get(uuid: string): Promise<CachedValue | undefined> {
    return (await this.channel.request<CachedValue | null>(CACHE_TOPICS.get, uuid)) ?? undefined;
  }

  async close(): Promise<void> {}
}
