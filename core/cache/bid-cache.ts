/** What a cache entry holds, as Prebid Cache types it: VAST XML (`xml`) or a JSON value (`json`, kept serialized). */
export type CacheEntryType = 'xml' | 'json';

/** One value to cache: its type, its text (JSON serialized), how long it lives. */
export interface CachePut {
  readonly type: CacheEntryType;
  readonly value: string;
  readonly ttlSeconds: number;
}

/** A cached value read back. */
export interface CachedValue {
  readonly type: CacheEntryType;
  readonly value: string;
}

/**
 * The exchange's Prebid-Cache-compatible store (`POST /cache`, `GET /cache?uuid=`, and the video bids of
 * `/openrtb2/auction` when `ext.prebid.cache` asks): a value under a random uuid, for its TTL. One per process,
 * chosen at start-up: in memory (one process), the cluster primary's memory (`rtb start --workers N`), or Redis
 * (`state.backend: redis`, shared by a fleet).
 */
export interface BidCache {
  /** Stores each value under a new uuid; resolves with the uuids, in order. */
  put(values: readonly CachePut[]): Promise<string[]>;
  /** The value under `uuid`, or undefined when there is none (never stored, expired or evicted). */
  get(uuid: string): Promise<CachedValue | undefined>;
  /** Releases what it holds open (a timer, a connection). */
  close(): Promise<void>;
}

/** A cache uuid as the exchange makes them (`randomUUID`): what `GET /cache` accepts before looking anything up. */
export const CACHE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
