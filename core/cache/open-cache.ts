import type { RtbConfig } from '../config/schema.js';
import type { ClusterChannel } from '../plugin/cluster-channel.js';
import type { BidCache } from './bid-cache.js';
import { ClusterBidCache } from './cluster-cache.js';
import { MemoryBidCache } from './memory-cache.js';
import { RedisBidCache } from './redis-cache.js';

/**
 * The cache an exchange process uses (`cache.enabled`; undefined when off): the fleet's Redis with `state.backend:
 * redis`; else this process's memory, or, in a worker of `rtb start --workers N`, its primary's (see
 * `serveBidCache`), so that every worker of the machine finds every value.
 */
export async function openBidCache(config: RtbConfig, cluster: ClusterChannel): Promise<BidCache | undefined> {
  if (!config.cache.enabled) return undefined;
  if (config.state.backend === 'redis') return RedisBidCache.connect(config.state.redis);
  return cluster.role === 'worker' ? new ClusterBidCache(cluster) : new MemoryBidCache(config.cache.memoryBytes);
}
