import type { Logger } from 'pino';
import type { BidCache } from '../cache/bid-cache.js';
import type { AuctionPipeline } from '../auction/pipeline.js';
import type { RtbConfig } from '../config/schema.js';
import type { StagePlan } from '../hooks/hook-plan.js';
import type { HookEnvironment } from '../hooks/run-hook.js';
import type { ExchangeMetrics } from '../metrics.js';
import type { SignedTrackerUrls } from '../trackers/signed-tracker-urls.js';

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
  /** The exchange's Prebid-compatible cache (`GET /cache`, `ext.prebid.cache`); absent with `cache.enabled: false`. */
  readonly cache?: BidCache;
  /** The exchange's metrics (`GET /metrics`). */
  readonly metrics: ExchangeMetrics;
}
