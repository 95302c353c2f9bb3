/**
 * DI tokens. Plugins and strategies name what they need with `@inject(Tokens.X)`: explicit tokens work the
 * same under tsc, tsx and vitest, none of which needs decorator metadata.
 */
export const Tokens = {
  /** The validated {@link RtbConfig}. */
  Config: Symbol.for('rtb.Config'),
  /** The exchange's root pino logger. */
  Logger: Symbol.for('rtb.Logger'),
  /** The {@link PluginScope} of the plugin being resolved. */
  PluginScope: Symbol.for('rtb.PluginScope'),
  /** The {@link BidderScope} of the bidder whose strategy is being resolved. */
  BidderScope: Symbol.for('rtb.BidderScope'),
  /** The bidder's {@link Pricing}, for its dialect. */
  Pricing: Symbol.for('rtb.Pricing'),
  /** The shared undici dispatcher for outbound calls other than bid requests (notices, wrapper fetches). */
  HttpDispatcher: Symbol.for('rtb.HttpDispatcher'),
  /** The exchange's signed tracker URLs ({@link TrackerUrls}), for `admRewrite` plugins. */
  TrackerUrls: Symbol.for('rtb.TrackerUrls'),
  /**
   * Every enabled bidder's {@link Pricing} by bidder name (a `ReadonlyMap<string, Pricing>`), for exchange-wide
   * code that writes prices in a bidder's units outside its bidder scope (notice macros). Filled once the
   * bidders are resolved, after plugins are constructed: read it when handling events, not in a constructor.
   */
  BidderPricing: Symbol.for('rtb.BidderPricing'),
  /**
   * The exchange's {@link ExchangeMetrics} (Prometheus, `GET /metrics`): one per exchange. Plugins record what
   * only they know (the `notices` plugin: notices and billing).
   */
  Metrics: Symbol.for('rtb.Metrics'),
  /**
   * The process's {@link ClusterChannel}: its role (`single`, `worker`, `primary`), and under `rtb start --workers
   * N` the way a plugin's worker instances talk to its instance in the primary (`Plugin.startPrimary`).
   */
  Cluster: Symbol.for('rtb.Cluster'),
  /**
   * The node's {@link QpsShare} of every bidder's `maxQps`: a state backend that knows the fleet (the `notices`
   * plugin's Redis ledger) tells it how many auction processes the live nodes run.
   */
  QpsShare: Symbol.for('rtb.QpsShare'),
} as const;
