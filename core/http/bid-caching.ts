import type { Logger } from 'pino';
import type { BidCache, CachePut } from '../cache/bid-cache.js';
import { cacheTtl, withinValueLimit } from '../cache/cache-limits.js';
import type { CacheConfig } from '../config/schema.js';
import { MarkupType, type Bid, type BidResponse } from '../openrtb/types.js';
import type { CacheAsk } from './prebid-extensions.js';

/** Where a cached value is: its uuid and the URL that serves it. */
export interface CachedAt {
  readonly cacheId: string;
  readonly url: string;
}

/** What one answered bid got cached as (Prebid Server's `bid.ext.prebid.cache`). */
export interface BidCacheIds {
  readonly vastXml?: CachedAt;
  readonly bids?: CachedAt;
}

/**
 * Caches the answer's bids as `ask` says, as Prebid Server does: each video bid's VAST (`vastxml`) and each bid as
 * JSON (`bids`), in one put, for the asked TTL (else the bid's `exp`, else `cache.ttlSeconds`; at most
 * `cache.maxTtlSeconds`). Each bid gets `ext.prebid.cache` (`{ vastXml: { url, cacheId }, bids: … }`), and loses its
 * `adm` where `returnCreative` is false. A value over `cache.maxValueBytes` is not stored, and a cache that fails
 * costs only the caching: those bids are answered uncached, with their markup (logged). Returns what each bid was
 * cached as.
 */
export async function cacheBids(
  response: BidResponse,
  ask: CacheAsk,
  cache: BidCache,
  limits: CacheConfig,
  cacheUrl: string,
  log: Logger,
): Promise<Map<Bid, BidCacheIds>> {
  const puts: CachePut[] = [];
  const targets: Array<{ bid: Bid; kind: keyof BidCacheIds }> = [];
  let oversized = 0;
  /** Queues a value, unless it is larger than `cache.maxValueBytes` (a bidder's megabyte of markup is not stored). */
  const put = (bid: Bid, kind: keyof BidCacheIds, value: CachePut) => {
    if (!withinValueLimit(value.value, limits)) return void oversized++;
    puts.push(value);
    targets.push({ bid, kind });
  };
  for (const seat of response.seatbid ?? []) {
    for (const bid of seat.bid) {
      const exp = Number.isInteger(bid.exp) && (bid.exp as number) > 0 ? (bid.exp as number) : undefined;
      if (ask.vastXml && bid.mtype === MarkupType.video && typeof bid.adm === 'string' && bid.adm !== '') {
        put(bid, 'vastXml', { type: 'xml', value: bid.adm, ttlSeconds: cacheTtl(ask.vastXml.ttlSeconds ?? exp, limits) });
      }
      if (ask.bids) put(bid, 'bids', { type: 'json', value: JSON.stringify(bid), ttlSeconds: cacheTtl(ask.bids.ttlSeconds ?? exp, limits) });
    }
  }
  if (oversized > 0) log.warn({ auctionId: response.id, values: oversized, maxValueBytes: limits.maxValueBytes }, 'cache: values over cache.maxValueBytes not stored; their bids answered uncached');
  const cached = new Map<Bid, BidCacheIds>();
  if (puts.length === 0) return cached;
  let uuids: string[];
  try {
    uuids = await cache.put(puts);
  } catch (error) {
    log.warn({ err: error, auctionId: response.id, values: puts.length }, 'cache: could not store the bids; answered uncached');
    return cached;
  }
  targets.forEach(({ bid, kind }, i) => {
    const uuid = uuids[i]!;
    cached.set(bid, { ...cached.get(bid), [kind]: { cacheId: uuid, url: `${cacheUrl}?uuid=${uuid}` } });
  });
  for (const [bid, ids] of cached) {
    const ext = bid.ext as { prebid: Record<string, unknown> };
    ext.prebid.cache = ids;
    if ((ids.vastXml && !ask.vastXml!.returnCreative) || (ids.bids && !ask.bids!.returnCreative)) delete bid.adm;
  }
  return cached;
}
