import type Router from '@koa/router';
import { validateBidRequest } from '../openrtb/validate-request.js';
import type { AppParts } from './app-parts.js';
import { readBidderRouting } from '../auction/bidder-routing.js';
import { badRequest } from './bad-request.js';
import { bidResponse } from './bid-response.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { BodyError, readBody } from './read-body.js';

/**
 * `POST /openrtb2/auction`: an OpenRTB 2.6 request (within `server.maxBodyBytes` and `limits.impsPerRequest`,
 * nested no deeper than the JSON bound, valid, in the exchange's currency) runs an auction; the winners come
 * back as a BidResponse at their clearing prices. A request naming bidders per imp (Prebid's
 * `imp[].ext.prebid.bidder.<code>`) asks only those, each with its own params; without names, every bidder. Answered as Prebid Server answers (see {@link bidResponse}: no winner is a
 * `200` with an empty `seatbid`). A bad request is `400` naming the field.
 */
export function mountOpenRtbRoutes(router: Router, parts: AppParts): void {
  const { config, pipeline } = parts;
  const bidders = new Set(Object.entries(config.bidders).filter(([, bidder]) => bidder.enabled).map(([name]) => name));
  router.post('/openrtb2/auction', async (ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(ctx.req, config.server.maxBodyBytes)).toString('utf8'));
    } catch (error) {
      if (error instanceof BodyError) {
        ctx.status = error.status;
        ctx.body = { error: { field: '(body)', message: error.message } };
        return;
      }
      return badRequest(ctx, '(body)', 'not valid JSON');
    }
    const { impsPerRequest } = config.limits;
    const imps = (parsed as { imp?: unknown } | null)?.imp;
    if (Array.isArray(imps) && imps.length > impsPerRequest) return badRequest(ctx, 'imp', `at most ${impsPerRequest} imps (limits.impsPerRequest)`);
    if (nestsDeeperThan(parsed)) return badRequest(ctx, '(body)', `JSON nested deeper than ${MAX_JSON_DEPTH}`);
    const check = validateBidRequest(parsed);
    if (!check.ok) return badRequest(ctx, check.problem.field, check.problem.message);
    const { request } = check;
    const foreign = request.imp.findIndex((imp) => imp.bidfloorcur !== undefined && imp.bidfloorcur !== config.currency);
    if (foreign >= 0) return badRequest(ctx, `imp[${foreign}].bidfloorcur`, `only ${config.currency} is traded here`);
    const siteId = request.site?.id;
    const site = siteId !== undefined && Object.hasOwn(config.sites, siteId) ? { id: siteId, config: config.sites[siteId] } : undefined;
    const { routing, unknown, problem } = readBidderRouting(request, bidders);
    if (problem) return badRequest(ctx, problem.field, problem.message);
    const result = await pipeline.run({ request, origin: 'openrtb', site, ...(routing ? { routing } : {}) });
    ctx.set('x-openrtb-version', '2.6');
    ctx.body = bidResponse(result, parts.trackers, unknown);
  });
}
