import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { StagePlan } from '../hooks/hook-plan.js';
import type { HookEnvironment, MaybePromise } from '../hooks/run-hook.js';
import { runParallel } from '../hooks/runners.js';
import type { TrackerNoticeEvent } from '../hooks/stages.js';
import type { SignedTrackerUrls } from './signed-tracker-urls.js';
import type { TrackerClaim } from './token-codec.js';

/** What the tracker endpoints need from the running exchange. */
export interface TrackerEndpointParts {
  readonly trackers: SignedTrackerUrls;
  readonly stages: StagePlan;
  readonly env: HookEnvironment;
  readonly log: Logger;
  /** Each `notices` hook's time budget for a tracker event. */
  readonly budgetMs: number;
}

/** A transparent 1×1 GIF: the impression tracker's answer. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * `GET /t/imp?t=TOKEN`, the impression / render tracker: a verified token becomes an `impression` event for the
 * `notices` stage (which bills the winner once, T2), then a 1×1 GIF. The answer waits for the stage (within its
 * budget) so that a billing acknowledged to the device is already journaled. A missing token is `400`; a
 * forged, altered, expired or wrong-kind token is `404`, logged, and fires nothing.
 */
export async function impressionTracker(ctx: Context, parts: TrackerEndpointParts): Promise<void> {
  const claim = readToken(ctx, parts, 'impression');
  if (!claim) return;
  await emit(ctx, parts, 'impression', claim);
  ctx.set('cache-control', 'no-store');
  ctx.type = 'image/gif';
  ctx.body = PIXEL;
}

/**
 * `GET /t/click?t=TOKEN`, the click tracker: a verified token becomes a `click` event, then `302` to the
 * destination signed into the token (never one from the query: no open redirect), or `204` without one.
 * Bad tokens as for {@link impressionTracker}.
 */
export async function clickTracker(ctx: Context, parts: TrackerEndpointParts): Promise<void> {
  const claim = readToken(ctx, parts, 'click');
  if (!claim) return;
  await emit(ctx, parts, 'click', claim);
  ctx.set('cache-control', 'no-store');
  if (claim.destination === undefined) {
    ctx.status = 204;
    return;
  }
  ctx.status = 302;
  ctx.set('location', claim.destination);
}

/** The verified claim of the request's `t` token, or undefined after answering 400/404 and logging why. */
function readToken(ctx: Context, parts: TrackerEndpointParts, kind: TrackerClaim['kind']): TrackerClaim | undefined {
  const token = ctx.query.t;
  if (typeof token !== 'string' || token === '') {
    parts.log.warn({ tracker: kind, ip: ctx.ip, reason: 'missing' }, 'tracker token refused');
    ctx.status = 400;
    ctx.body = { error: { field: 't', message: 'required' } };
    return undefined;
  }
  const reading = parts.trackers.read(token, kind);
  if (!reading.ok) {
    parts.log.warn({ tracker: kind, ip: ctx.ip, reason: reading.reason }, 'tracker token refused');
    ctx.status = 404;
    return undefined;
  }
  return reading.claim;
}

function emit(ctx: Context, parts: TrackerEndpointParts, type: TrackerNoticeEvent['type'], claim: TrackerClaim): MaybePromise<void> {
  const event: TrackerNoticeEvent = { type, claim, at: Date.now(), client: { ip: ctx.ip || undefined, userAgent: ctx.get('user-agent') || undefined } };
  return runParallel('notices', parts.stages.notices, { auctionId: claim.auctionId, log: parts.log }, event, {
    env: parts.env,
    budgetMs: parts.budgetMs,
    auctionId: claim.auctionId,
  });
}
