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
  return cluster.role === 'worker' ? new ClusterBidCache(cluster) : new MemoryBidCache(config.cache.memoryBytes);
}

/**
 * In the primary of `rtb start --workers N`: the machine's in-memory cache, served to its workers over `channel`
 * (what their {@link openBidCache} reaches); none when the cache is off or lives in Redis (each process reaches it).
 */
export function servePrimaryCache(config: RtbConfig, channel: ClusterChannel): BidCache | undefined {
  if (!config.cache.enabled || config.state.backend === 'redis') return undefined;
  const cache = new MemoryBidCache(config.cache.memoryBytes);
  serveBidCache(channel, cache);
  return cache;
}
