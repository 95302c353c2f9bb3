import type { Micros } from '../money.js';
import type { Bid } from '../openrtb/types.js';
import type { AnsweredAuction } from './bid-response.js';
import { priceBucket } from '../openrtb/price-granularity.js';
import type { BidCacheIds } from './bid-caching.js';
import type { TargetingAsk } from './prebid-extensions.js';

/** Prebid Server's default bound on a targeting key's length: longer keys (a long bidder suffix) are cut to it. */
export const MAX_TARGETING_KEY_CHARS = 20;

/** The cache's place as the targeting keys name it (`hb_cache_host`, `hb_cache_path`). */
export interface CacheLocation {
  readonly host: string;
  readonly path: string;
}

/**
 * Adds Prebid's ad server targeting (`bid.ext.prebid.targeting`) to the answer's bids, as Prebid Server does when a
 * request carries `ext.prebid.targeting`: `hb_pb` (the price bucket of `granularity`), `hb_bidder`, `hb_size`,
 * `hb_deal`, `hb_format` (with `includeformat`), and for cached bids `hb_uuid` (VAST), `hb_cache_id` (the bid),
 * `hb_cache_host`, `hb_cache_path`. Each imp's highest bid (ties: the earlier in the answer) gets them unsuffixed
 * (`includewinners`); every bid gets them suffixed with its bidder, `hb_pb_dspa` (`includebidderkeys`); keys are cut
 * to {@link MAX_TARGETING_KEY_CHARS}.
 */
export function addTargeting(answered: AnsweredAuction, ask: TargetingAsk, cached: ReadonlyMap<Bid, BidCacheIds>, cacheAt: CacheLocation): void {
  const { response, clearingMicros } = answered;
  const highest = new Map<string, Bid>();
  const seats = response.seatbid ?? [];
  for (const seat of seats) {
    for (const bid of seat.bid) {
      const best = highest.get(bid.impid);
      if (!best || clearingMicros.get(bid)! > clearingMicros.get(best)!) highest.set(bid.impid, bid);
    }
  }
  for (const seat of seats) {
    const bidder = seat.seat ?? '';
    for (const bid of seat.bid) {
      const values = targetingValues(bid, clearingMicros.get(bid)!, bidder, ask, cached.get(bid), cacheAt);
      const keys: Record<string, string> = {};
      if (ask.includeWinners && highest.get(bid.impid) === bid) Object.assign(keys, values);
      if (ask.includeBidderKeys) for (const [key, value] of Object.entries(values)) keys[`${key}_${bidder}`.slice(0, MAX_TARGETING_KEY_CHARS)] = value;
      if (Object.keys(keys).length === 0) continue;
      (bid.ext as { prebid: Record<string, unknown> }).prebid.targeting = keys;
    }
  }
}

/** One bid's targeting values, unsuffixed. */
function targetingValues(bid: Bid, priceMicros: Micros, bidder: string, ask: TargetingAsk, cached: BidCacheIds | undefined, cacheAt: CacheLocation): Record<string, string> {
  const values: Record<string, string> = {
    hb_pb: priceBucket(priceMicros, ask.granularity),
    hb_bidder: bidder,
  };
  if (Number.isInteger(bid.w) && Number.isInteger(bid.h)) values.hb_size = `${bid.w}x${bid.h}`;
  if (typeof bid.dealid === 'string' && bid.dealid !== '') values.hb_deal = bid.dealid;
  if (ask.includeFormat) values.hb_format = String((bid.ext as { prebid: { type?: string } }).prebid.type ?? 'banner');
  if (cached?.vastXml) values.hb_uuid = cached.vastXml.cacheId;
  if (cached?.bids) values.hb_cache_id = cached.bids.cacheId;
  if (cached) {
    values.hb_cache_host = cacheAt.host;
    values.hb_cache_path = cacheAt.path;
  }
  return values;
}
