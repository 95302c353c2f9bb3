/**
 * The framework's public API: what configs, plugins and their tests import.
 */
export { defineConfig } from './config/define.js';
export { loadConfig, parseConfig } from './config/load.js';
export { RtbStartupError } from './config/errors.js';
export type { RtbConfig, RtbConfigInput, BidderConfig, SiteConfig, Sidecar } from './config/schema.js';
export { Exchange, type ExchangeOptions, type ExchangePlan } from './exchange.js';
export { definePlugin } from './plugin/define.js';
export type { Plugin, PluginClass, PluginHooks, PluginScope } from './plugin/contract.js';
export type { Dialect, DialectClass, BidderScope, OutboundCall, BidderAnswer, DecodedAnswer } from './plugin/dialect.js';
export { PluginRegistry } from './plugin/registry.js';
export { Tokens } from './plugin/tokens.js';
export { ExchangeMetrics, type NoticeMetricType, type NoticeMetricResult } from './metrics.js';
export { noop, update, reject, type HookResult } from './hooks/results.js';
export {
  STAGES, type StageName, type StageContracts, type NoticeEvent, type NoticeContext, type AuctionNoticeEvent, type TrackerNoticeEvent,
  type SyncPurpose, type SyncRequest, type SyncAnswer,
} from './hooks/stages.js';
export { expandMacros, auctionMacroValues, marketBidRatio, OPENRTB_MACROS, type MacroValues, type MacroSubject, type ExpandOptions, type OpenRtbMacro } from './macros.js';
export type { TrackerUrls } from './trackers/contract.js';
export type { TrackerClaim } from './trackers/token-codec.js';
export type { AuctionContext, BidderStageContext, BidderView, BrowserIdentity } from './auction/context.js';
export type { AdmFormat, Award, AuctionOutcome, BidderResult, BidderStatus, CandidateBid, DecodedBid, Loss, Markup, ValidBid } from './auction/bids.js';
export { priceAuction, rankByImp } from './auction/ranking.js';
export * from './money.js';
export { DecimalCpmPricing, type Pricing, type PriceReading } from './pricing.js';
export { LossReason } from './openrtb/loss-reasons.js';
export type * from './openrtb/types.js';
export { startTestExchange, LogCapture, auctionContextFor, validBid, outcomeRows, type TestExchange } from './testing.js';
