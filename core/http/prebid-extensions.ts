import type { BidRequest } from '../openrtb/types.js';
import { readPriceGranularity, type PriceGranularity } from '../openrtb/price-granularity.js';

/**
 * What a `POST /openrtb2/auction` request asks of Prebid Server's extensions (`ext.prebid.targeting`,
 * `ext.prebid.cache`), read once per request.
 */
export interface PrebidAsk {
  /** Present: the page decides (every bidder's best bid per imp is returned), and bids carry Prebid's targeting keys. */
  readonly targeting?: TargetingAsk;
  /** Present: the returned bids are cached (Prebid Cache) as asked. */
  readonly cache?: CacheAsk;
}

/** `ext.prebid.targeting`. */
export interface TargetingAsk {
  readonly granularity: PriceGranularity;
  /** Keys without a suffix (`hb_pb` …) on each imp's highest bid (`includewinners`, default true). */
  readonly includeWinners: boolean;
  /** Keys suffixed with the bidder (`hb_pb_dspa` …) on every bid (`includebidderkeys`, default true). */
  readonly includeBidderKeys: boolean;
  /** `hb_format` too (`includeformat`, default false). */
  readonly includeFormat: boolean;
}

/** One kind of cached value: whether the bid still carries its markup (`returnCreative`, default true) and a TTL. */
export interface CacheKindAsk {
  readonly returnCreative: boolean;
  readonly ttlSeconds?: number;
}

/** `ext.prebid.cache`: the video bids' VAST (`vastxml`), and every bid as JSON (`bids`). */
export interface CacheAsk {
  readonly vastXml?: CacheKindAsk;
  readonly bids?: CacheKindAsk;
}

type Problem = { readonly field: string; readonly message: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `ext.prebid.targeting` and `ext.prebid.cache`; a problem names the field (the request's `400`). */
export function readPrebidAsk(request: BidRequest): { ask: PrebidAsk } | { problem: Problem } {
  const prebid = (request.ext as { prebid?: unknown } | undefined)?.prebid;
  if (!isObject(prebid)) return { ask: {} };
  const ask: { targeting?: TargetingAsk; cache?: CacheAsk } = {};
  const { targeting, cache } = prebid;
  if (targeting !== undefined) {
    const at = 'ext.prebid.targeting';
    if (!isObject(targeting)) return { problem: { field: at, message: 'must be an object' } };
    const read = readPriceGranularity(targeting.pricegranularity);
    if ('problem' in read) return { problem: { field: `${at}.pricegranularity`, message: read.problem } };
    for (const flag of ['includewinners', 'includebidderkeys', 'includeformat'] as const) {
      if (targeting[flag] !== undefined && typeof targeting[flag] !== 'boolean') return { problem: { field: `${at}.${flag}`, message: 'must be true or false' } };
    }
    ask.targeting = {
      granularity: read.granularity,
      includeWinners: targeting.includewinners !== false,
      includeBidderKeys: targeting.includebidderkeys !== false,
      includeFormat: targeting.includeformat === true,
    };
  }
  if (cache !== undefined) {
    const at = 'ext.prebid.cache';
    if (!isObject(cache)) return { problem: { field: at, message: 'must be an object' } };
    const read: { vastXml?: CacheKindAsk; bids?: CacheKindAsk } = {};
    for (const [key, kind] of [['vastxml', 'vastXml'], ['bids', 'bids']] as const) {
      const value = cache[key];
      if (value === undefined) continue;
      if (!isObject(value)) return { problem: { field: `${at}.${key}`, message: 'must be an object' } };
      const { returnCreative, ttlseconds } = value;
      if (returnCreative !== undefined && typeof returnCreative !== 'boolean') return { problem: { field: `${at}.${key}.returnCreative`, message: 'must be true or false' } };
      if (ttlseconds !== undefined && (!Number.isInteger(ttlseconds) || (ttlseconds as number) <= 0)) return { problem: { field: `${at}.${key}.ttlseconds`, message: 'must be a positive whole number of seconds' } };
      read[kind] = { returnCreative: returnCreative !== false, ...(ttlseconds === undefined ? {} : { ttlSeconds: ttlseconds as number }) };
    }
    if (read.vastXml || read.bids) ask.cache = read;
  }
  return { ask };
}
