import type Router from '@koa/router';
import { buildTagRequest } from '../auction/tag-request.js';
import { tagScript } from '../auction/tag-response.js';
import { decimalToMicros } from '../money.js';
import type { AppParts } from './app-parts.js';
import { badRequest } from './bad-request.js';
import { identifyBrowser } from './sync-routes.js';

/**
 * `GET /ad?site=ID[&mincpm=X]`: a tag auction for a configured site (its one placement, its floor, the tag's
 * MinCPM), the browser identified first (`sync` stage); the winner's markup as a script, or `204` without one.
 */
export function mountTagRoutes(router: Router, parts: AppParts): void {
  const { config, pipeline } = parts;
  router.get('/ad', async (ctx) => {
    const siteId = typeof ctx.query.site === 'string' ? ctx.query.site : '';
    if (!siteId) return badRequest(ctx, 'site', 'required');
    const site = Object.hasOwn(config.sites, siteId) ? config.sites[siteId] : undefined;
    if (!site) return badRequest(ctx, 'site', `unknown site "${siteId}"`);
    const rawMin = ctx.query.mincpm;
    const minFloorMicros = rawMin === undefined ? 0 : typeof rawMin === 'string' ? decimalToMicros(rawMin, 'up') : null;
    if (minFloorMicros === null) return badRequest(ctx, 'mincpm', 'must be a non-negative decimal CPM');
    const identity = await identifyBrowser(ctx, parts);
    const request = buildTagRequest(site, {
      siteId,
      userId: identity?.userId,
      userAgent: ctx.get('user-agent') || undefined,
      referer: ctx.get('referer') || undefined,
      language: ctx.get('accept-language').split(/[,;-]/)[0] || undefined,
      ip: ctx.ip || undefined,
    });
    const result = await pipeline.run({ request, origin: 'tag', site: { id: siteId, config: site }, minFloorMicros, identity });
    ctx.set('cache-control', 'no-store');
    const [delivery] = result.deliveries;
    if (!delivery) {
      ctx.status = 204;
      return;
    }
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.body = tagScript(delivery.markup);
  });
}
