import type Router from '@koa/router';
import { CACHE_UUID, type BidCache, type CachePut } from '../cache/bid-cache.js';
import { cacheTtl, withinValueLimit } from '../cache/cache-limits.js';
import type { CacheConfig } from '../config/schema.js';
import type { AppParts } from './app-parts.js';
import { badRequest } from './bad-request.js';
import { readJsonBody } from './json-body.js';

/** Where the cache is served (Prebid Cache's path). */
export const CACHE_PATH = '/cache';

const CONTENT_TYPE = { xml: 'application/xml; charset=utf-8', json: 'application/json; charset=utf-8' } as const;

/**
 * Prebid Cache's API on the exchange's own cache (`cache.enabled`), so a player or an ad server can fetch a video
 * bid's VAST by the `hb_uuid` Prebid gave it:
 * - `POST /cache` `{ puts: [{ type: 'xml' | 'json', value, ttlseconds? }] }` → `{ responses: [{ uuid }] }`; at most
 *   `cache.putsPerRequest` values of at most `cache.maxValueBytes` each, kept `ttlseconds` (default
 *   `cache.ttlSeconds`, cut to `cache.maxTtlSeconds`). A put naming its own `key` is refused: keys are the exchange's.
 * - `GET /cache?uuid=UUID` → the value (`application/xml` or `application/json`), `404` when there is none.
 */
export function mountCacheRoutes(router: Router, parts: AppParts, cache: BidCache): void {
  const { log } = parts;
  const limits = parts.config.cache;
  router.post(CACHE_PATH, async (ctx) => {
    const body = await readJsonBody(ctx, parts.config.server.maxBodyBytes, (parsed) => {
      const puts = (parsed as { puts?: unknown } | null)?.puts;
      return Array.isArray(puts) && puts.length > limits.putsPerRequest ? { field: 'puts', message: `at most ${limits.putsPerRequest} values (cache.putsPerRequest)` } : undefined;
    });
    if (!body) return;
    const read = readPuts(body.value, limits);
    if ('field' in read) return badRequest(ctx, read.field, read.message);
    try {
      const uuids = await cache.put(read.puts);
      ctx.body = { responses: uuids.map((uuid) => ({ uuid })) };
    } catch (error) {
      log.error({ err: error }, 'cache: could not store');
      ctx.status = 503;
      ctx.body = { error: { field: null, message: 'cache unavailable' } };
    }
  });
  router.get(CACHE_PATH, async (ctx) => {
    const uuid = ctx.query.uuid;
    if (typeof uuid !== 'string' || uuid === '') return badRequest(ctx, 'uuid', 'required');
    const found = CACHE_UUID.test(uuid) ? await cache.get(uuid) : undefined;
    ctx.set('cache-control', 'no-store');
    if (!found) {
      ctx.status = 404;
      ctx.body = { error: { field: 'uuid', message: 'no such value (never stored, or expired)' } };
      return;
    }
    ctx.type = CONTENT_TYPE[found.type];
    ctx.body = found.value;
  });
}

/** A `POST /cache` body's values, checked; or the field that is wrong. */
function readPuts(body: unknown, limits: CacheConfig): { puts: CachePut[] } | { field: string; message: string } {
  const puts = (body as { puts?: unknown } | null)?.puts;
  if (!Array.isArray(puts) || puts.length === 0) return { field: 'puts', message: 'must be a non-empty list of { type, value }' };
  const read: CachePut[] = [];
  for (const [i, put] of puts.entries()) {
    const at = `puts[${i}]`;
    if (typeof put !== 'object' || put === null) return { field: at, message: 'must be { type, value }' };
    const { type, value, ttlseconds, key } = put as Record<string, unknown>;
    if (key !== undefined) return { field: `${at}.key`, message: 'setting keys is not allowed: the exchange names its values' };
    if (type !== 'xml' && type !== 'json') return { field: `${at}.type`, message: "must be 'xml' or 'json'" };
    if (type === 'xml' && typeof value !== 'string') return { field: `${at}.value`, message: 'must be a string (the XML)' };
    if (value === undefined) return { field: `${at}.value`, message: 'required' };
    const text = type === 'xml' ? (value as string) : JSON.stringify(value);
    if (text.length === 0) return { field: `${at}.value`, message: 'must not be empty' };
    if (!withinValueLimit(text, limits)) return { field: `${at}.value`, message: `larger than ${limits.maxValueBytes} bytes (cache.maxValueBytes)` };
    if (ttlseconds !== undefined && (!Number.isInteger(ttlseconds) || (ttlseconds as number) <= 0)) return { field: `${at}.ttlseconds`, message: 'must be a positive whole number of seconds' };
    read.push({ type, value: text, ttlSeconds: cacheTtl(ttlseconds as number | undefined, limits) });
  }
  return { puts: read };
}
