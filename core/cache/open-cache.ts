import { getHeapStatistics } from 'node:v8';
import { RtbStartupError } from '../config/errors.js';
import type { RtbConfig } from '../config/schema.js';
import type { ClusterChannel } from '../plugin/cluster-channel.js';
import type { BidCache } from './bid-cache.js';
import { ClusterBidCache, serveBidCache } from './cluster-cache.js';
import { MemoryBidCache } from './memory-cache.js';
import { RedisBidCache } from './redis-cache.js';

/**
 * The cache an exchange process uses (`cache.enabled`; undefined when off): the fleet's Redis with `state.backend:
 * redis`; else this process's memory, or, in a worker of `rtb start --workers N`, its primary's (see
 * {@link servePrimaryCache}), so that every worker of the machine finds every value.
 */
export async function openBidCache(config: RtbConfig, cluster: ClusterChannel): Promise<BidCache | undefined> {
  if (!config.cache.enabled) return undefined;
  if (config.state.backend === 'redis') return RedisBidCache.connect(config.state.redis);
  return cluster.role === 'worker' ? new ClusterBidCache(cluster) : inMemoryCache(config);
}

/**
 * In the primary of `rtb start --workers N`: the machine's in-memory cache, served to its workers over `channel`
 * (what their {@link openBidCache} reaches); none when the cache is off or lives in Redis (each process reaches it).
 */
export function servePrimaryCache(config: RtbConfig, channel: ClusterChannel): BidCache | undefined {
  if (!config.cache.enabled || config.state.backend === 'redis') return undefined;
  const cache = inMemoryCache(config);
  serveBidCache(channel, cache);
  return cache;
}

/**
 * The in-memory cache `cache.memoryBytes` sizes, refused at start-up (`RTB_ERR_CONFIG_INVALID`) when it could take
 * more than half of this process's heap limit (`rtb` runs Node with `--max-old-space-size=1024`,
 * core/node-flags.mjs): a cache that fills is otherwise found out as an out-of-memory crash under load.
 */
function inMemoryCache(config: RtbConfig): MemoryBidCache {
  const limit = getHeapStatistics().heap_size_limit;
  if (config.cache.memoryBytes > limit / 2) {
    const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
    throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', [
      `cache.memoryBytes: ${mb(config.cache.memoryBytes)} is more than half of this process's heap limit (${mb(limit)}); lower it, run Node with a larger --max-old-space-size, or keep the cache in Redis (state.backend: redis)`,
    ]);
  }
  return new MemoryBidCache(config.cache.memoryBytes);
}
