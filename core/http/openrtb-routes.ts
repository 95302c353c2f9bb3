import type Router from '@koa/router';
import type { Bid } from '../openrtb/types.js';
import { validateBidRequest } from '../openrtb/validate-request.js';
import type { AuctionContext } from '../auction/context.js';
import type { AppParts } from './app-parts.js';
import { readBidderRouting } from '../auction/bidder-routing.js';
import { badRequest } from './bad-request.js';
import { bidResponse } from './bid-response.js';
import { cacheBids, type BidCacheIds } from './bid-caching.js';
import { CACHE_PATH } from './cache-routes.js';
import { readJsonBody } from './json-body.js';
import { readPrebidAsk } from './prebid-extensions.js';
import { addTargeting, type CacheLocation } from './prebid-targeting.js';
import { identifyBrowser } from './sync-routes.js';

const NOTHING_CACHED: ReadonlyMap<Bid, BidCacheIds> = new Map();

/**
 * `POST /openrtb2/auction`: an OpenRTB 2.6 request (within `server.maxBodyBytes` and `limits.impsPerRequest`,
 * nested no deeper than the JSON bound, valid, in the exchange's currency) runs an auction, answered as Prebid Server
 * answers (see {@link bidResponse}: no winner is a `200` with an empty `seatbid`). A bad request is `400` naming the
 * field. Prebid's extensions:
 * - `imp[].ext.prebid.bidder.<code>` asks only the bidders named, each with its own params; without names, every bidder;
 * - `ext.prebid.targeting`: the page decides ({@link AuctionContext.pageDecides}): every bidder's best bid per imp comes
 *   back at its own price, with Prebid's targeting keys; without it, the exchange's own auction decides;
 * - `ext.prebid.cache`: the bids are cached (`GET /cache?uuid=`) as Prebid Server caches them.
 */
export function mountOpenRtbRoutes(router: Router, parts: AppParts): void {
  const { config, pipeline } = parts;
  // Where the cache is, from the exchange's base URL (known once the server listens): worked out once, not per auction.
  let location: { readonly base: string; readonly url: string; readonly at: CacheLocation } | undefined;
  const cacheLocation = () => {
    const base = parts.trackers.baseUrl();
    if (location?.base !== base) location = { base, url: `${base}${CACHE_PATH}`, at: { host: new URL(base).host, path: CACHE_PATH } };
    return location;
  };
  const bidders = new Set(Object.entries(config.bidders).filter(([, bidder]) => bidder.enabled).map(([name]) => name));
  router.post('/openrtb2/auction', async (ctx) => {
    const { impsPerRequest } = config.limits;
    const body = await readJsonBody(ctx, config.server.maxBodyBytes, (parsed) => {
      const imps = (parsed as { imp?: unknown } | null)?.imp;
      return Array.isArray(imps) && imps.length > impsPerRequest ? { field: 'imp', message: `at most ${impsPerRequest} imps (limits.impsPerRequest)` } : undefined;
    });
    if (!body) return;
    const check = validateBidRequest(body.value);
    if (!check.ok) return badRequest(ctx, check.problem.field, check.problem.message);
    const { request } = check;
    const foreign = request.imp.findIndex((imp) => imp.bidfloorcur !== undefined && imp.bidfloorcur !== config.currency);
    if (foreign >= 0) return badRequest(ctx, `imp[${foreign}].bidfloorcur`, `only ${config.currency} is traded here`);
    const siteId = request.site?.id;
    const site = siteId !== undefined && Object.hasOwn(config.sites, siteId) ? { id: siteId, config: config.sites[siteId] } : undefined;
    const { routing, unknown, problem } = readBidderRouting(request, bidders);
    if (problem) return badRequest(ctx, problem.field, problem.message);
    const prebid = readPrebidAsk(request);
    if ('problem' in prebid) return badRequest(ctx, prebid.problem.field, prebid.problem.message);
    const { targeting, cache } = prebid.ask;
    // A browser's request (Prebid.js sends its cookies): the bidders' ids bound to it go into their requests, as
    // Prebid Server does. A server's request carries no cookie and costs nothing here.
    const identity = ctx.get('cookie') ? await identifyBrowser(ctx, parts) : undefined;
    const result = await pipeline.run({ request, origin: 'openrtb', site, pageDecides: targeting !== undefined, routing, identity });
    const answered = bidResponse(result, parts.trackers, unknown);
    const cached = cache && parts.cache ? await cacheBids(answered.response, cache, parts.cache, config.cache, cacheLocation().url, parts.log) : NOTHING_CACHED;
    if (targeting) addTargeting(answered, targeting, cached, cacheLocation().at);
    ctx.set('x-openrtb-version', '2.6');
    ctx.body = answered.response;
  });
}
