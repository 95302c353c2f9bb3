import type { StagePlan } from '../hooks/hook-plan.js';
import type { Dialect } from '../plugin/dialect.js';
import type { QpsLimit } from './qps-limit.js';
import type { BidderView } from './context.js';
import type { BidderTransport } from './transport.js';

/**
 * Everything one bidder needs per auction, computed once at start-up: its view for hooks, its dialect and
 * pricing, its connection pool, and the hooks that apply to it in order.
 */
export interface BidderPlan {
  readonly view: BidderView;
  readonly dialect: Dialect;
  readonly transport: BidderTransport;
  readonly stages: StagePlan;
  /** Its `maxQps`, when it has one: an auction over the cap goes on without it. */
  readonly qps?: QpsLimit;
}
