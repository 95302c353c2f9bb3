import type Router from '@koa/router';
import { trackerHookBudget } from '../hooks/hook-budget.js';
import { clickTracker, impressionTracker } from '../trackers/endpoints.js';
import { CLICK_TRACKER_PATH, IMPRESSION_TRACKER_PATH } from '../trackers/signed-tracker-urls.js';
import type { AppParts } from './app-parts.js';

/** The exchange's own trackers: `GET /t/imp` (impression → the winner's `burl`, once) and `GET /t/click` (redirect). */
export function mountTrackerRoutes(router: Router, parts: AppParts): void {
  const { config, log } = parts;
  const trackerParts = { trackers: parts.trackers, stages: parts.stages, env: parts.env, log, budgetMs: trackerHookBudget(config.hooks.timeoutMs) };
  router.get(IMPRESSION_TRACKER_PATH, (ctx) => impressionTracker(ctx, trackerParts));
  router.get(CLICK_TRACKER_PATH, (ctx) => clickTracker(ctx, trackerParts));
}
