import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import type { Logger } from 'pino';
import type { BrowserIdentity } from './auction/context.js';
import type { AuctionPipeline, AuctionResult } from './auction/pipeline.js';
import { buildTagRequest } from './auction/tag-request.js';
import { tagScript } from './auction/tag-response.js';
import type { RtbConfig } from './config/schema.js';
import type { StagePlan } from './hooks/hook-plan.js';
import type { HookEnvironment } from './hooks/run-hook.js';
import { syncHookBudget, trackerHookBudget } from './hooks/hook-budget.js';
import { runFirst } from './hooks/runners.js';
import type { SyncPurpose, SyncRequest } from './hooks/stages.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './http/json-depth.js';
import { BodyError, readBody } from './http/read-body.js';
import { staticFiles } from './http/static-files.js';
import type { ExchangeMetrics } from './metrics.js';
import { decimalToMicros, microsToCpmNumber } from './money.js';
import { validateBidRequest } from './openrtb/validate-request.js';
import type { BidResponse, SeatBid } from './openrtb/types.js';
import { clickTracker, impressionTracker } from './trackers/endpoints.js';
import { CLICK_TRACKER_PATH, IMPRESSION_TRACKER_PATH, type SignedTrackerUrls } from './trackers/signed-tracker-urls.js';

/** What the HTTP layer needs from the running exchange. */
export interface AppParts {
  readonly config: RtbConfig;
  readonly pipeline: AuctionPipeline;
  readonly stages: StagePlan;
  readonly env: HookEnvironment;
  readonly log: Logger;
  /** The exchange's tracker URLs, whose tokens the tracker endpoints read. */
  readonly trackers: SignedTrackerUrls;
  /** True once shutdown has begun: answers then close their connections. */
  readonly draining: () => boolean;
  /**
   * `GET /readyz`: why the exchange should not take traffic now (`reasons`, empty when ready), and what is worse
   * than usual while it serves (`degraded`).
   */
  readonly readiness: () => { readonly reasons: readonly string[]; readonly degraded: readonly string[] };
  /** The exchange's metrics (`GET /metrics`). */
  readonly metrics: ExchangeMetrics;
}

/** Answers 400 with a JSON body naming the bad field. */
function badRequest(ctx: Context, field: string, message: string): void {
  ctx.status = 400;
  ctx.body = { error: { field, message } };
}

/** The OpenRTB BidResponse for a finished auction: one seat per winning bidder, prices at clearing. */
function bidResponse(result: AuctionResult): BidResponse {
  const seats = new Map<string, SeatBid>();
  for (const { award, bidder, markup } of result.deliveries) {
    const seat = seats.get(bidder.name) ?? { seat: bidder.name, bid: [] };
    seat.bid.push({ ...award.candidate.bid, price: microsToCpmNumber(award.clearingMicros), adm: markup.adm });
    seats.set(bidder.name, seat);
  }
  return { id: result.ctx.request.id, cur: result.ctx.currency, seatbid: [...seats.values()] };
}

/**
 * The Koa application: routes → auction pipeline, nothing else. Errors inside a request become a 500 and a
 * log line; the process never crashes on input.
 */
export function createApp(parts: AppParts): Koa {
  const { config, pipeline, log } = parts;
  const app = new Koa({ proxy: config.server.trustProxy });
  const router = new Router();

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      log.error({ err: error, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: { field: null, message: 'internal error' } };
    }
    if (parts.draining()) ctx.set('connection', 'close');
  });

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
    const result = await pipeline.run({ request, origin: 'openrtb', site });
    if (result.deliveries.length === 0) {
      ctx.status = 204;
      return;
    }
    ctx.set('x-openrtb-version', '2.6');
    ctx.body = bidResponse(result);
  });

  router.get('/sync', async (ctx) => {
    const answer = await runSync(ctx, parts, 'bind');
    if (!answer) {
      ctx.status = 404;
      return;
    }
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
    if (answer.setCookies?.length) ctx.append('set-cookie', [...answer.setCookies]);
    if (answer.body !== undefined) ctx.body = answer.body;
  });

  const trackerParts = { trackers: parts.trackers, stages: parts.stages, env: parts.env, log, budgetMs: trackerHookBudget(config.hooks.timeoutMs) };
  router.get(IMPRESSION_TRACKER_PATH, (ctx) => impressionTracker(ctx, trackerParts));
  router.get(CLICK_TRACKER_PATH, (ctx) => clickTracker(ctx, trackerParts));

  // Liveness: the process answers. Readiness: it should be sent traffic (not draining, plugins ready).
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', (ctx) => {
    const { reasons, degraded } = parts.readiness();
    ctx.set('cache-control', 'no-store');
    if (reasons.length === 0) {
      ctx.body = degraded.length ? { status: 'ready', degraded } : { status: 'ready' };
      return;
    }
    ctx.status = 503;
    ctx.body = { status: 'unavailable', reasons };
  });

  router.get('/metrics', async (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.type = parts.metrics.contentType;
    ctx.body = await parts.metrics.exposition();
  });

  if (config.server.static) app.use(staticFiles(config.server.static.path, config.server.static.dir));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error) => log.warn({ err: error }, 'connection error'));
  return app;
}

/** The exchange's public base URL (for tracker and sync links): `server.publicUrl`, else the local listen address. */
export function publicUrlOf(config: RtbConfig): string {
  return (config.server.publicUrl ?? `http://localhost:${config.server.port}`).replace(/\/+$/, '');
}

/** Runs the `sync` stage on a browser request; the first plugin that answers wins. */
async function runSync(ctx: Context, parts: AppParts, purpose: SyncPurpose) {
  // Without sync plugins (the common case for exchanges that do not bind ids) a tag request costs nothing here.
  if (parts.stages.sync.length === 0) return undefined;
  const request: SyncRequest = {
    purpose,
    path: ctx.path,
    query: Object.fromEntries(Object.entries(ctx.query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value])),
    headers: ctx.headers,
    clientIp: ctx.ip,
    cookies: parseCookies(ctx.get('cookie')),
  };
  return runFirst('sync', parts.stages.sync, { publicUrl: publicUrlOf(parts.config) }, request, {
    env: parts.env,
    budgetMs: syncHookBudget(parts.config.hooks.timeoutMs),
  });
}

/** Identifies the browser of a tag request through the `sync` stage, adding any cookie the plugin sets to the answer. */
async function identifyBrowser(ctx: Context, parts: AppParts): Promise<BrowserIdentity | undefined> {
  const answer = await runSync(ctx, parts, 'identify');
  if (answer?.setCookies?.length) ctx.append('set-cookie', [...answer.setCookies]);
  return answer?.identity;
}

/** Parses a `Cookie` header into name → value (values left encoded as sent). */
function parseCookies(header: string): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}
