/**
 * The framework's public API (`rtb-exchange`): what configs, plugins, dialects and embedders import. The built-in
 * plugins import nothing else (test/one-door.test.ts). Their tests, and yours, add `rtb-exchange/testing`
 * (core/testing/index.ts).
 */

// Config.
export { defineConfig } from './config/define.js';
export { loadConfig, parseConfig } from './config/load.js';
export { RtbStartupError } from './config/errors.js';
export { ERROR_CODES, type ErrorCode } from './config/error-codes.js';
export { redactedUrl } from './config/redacted-url.js';
export { connectRedis } from './state/redis-connection.js';
export type {
  RtbConfig, RtbConfigInput, BidderConfig, SiteConfig, Sidecar, StateConfig, TrackersConfig, PluginEntry,
} from './config/schema.js';

// The exchange and its composition.
export { Exchange, type ExchangeOptions } from './exchange.js';
export type { ExchangePlan } from './exchange-plan.js';
export { PluginRegistry, type PricingClass, type DefaultPlugin } from './plugin/registry.js';
export { Tokens } from './plugin/tokens.js';
export { definePlugin, injectTokens } from './plugin/define.js';
export type { ConfigKeys, DeclaresConfigKeys } from './plugin/config-keys.js';
/** zod, the schema library `configKeys` are written with (the framework's own copy, so schemas compose). */
export { z } from 'zod';
export type { Plugin, PluginClass, PluginHooks, PluginScope } from './plugin/contract.js';
export type { ClusterChannel, ClusterRole, TopicHandler } from './plugin/cluster-channel.js';
export type { QpsShare } from './auction/qps-share.js';
export { ExchangeMetrics, type PendingCount } from './metrics.js';

// The lifecycle: stages, their contexts and results.
export { noop, update, reject, type HookResult } from './hooks/results.js';
export type { HookCall } from './hooks/hook-budget.js';
export {
  STAGES, STAGE_NAMES, type StageName, type StagesOfKind, type StageHook, type StageContracts, type AuctionInput, type RewriteContext, type SyncContext,
  type NoticeEvent, type NoticeContext, type AuctionNoticeEvent, type TrackerNoticeEvent,
  type SyncPurpose, type SyncRequest, type SyncAnswer,
} from './hooks/stages.js';
export type { AuctionContext, BidderStageContext, BidderView, BrowserIdentity } from './auction/context.js';
export type { AdmFormat, Award, AuctionOutcome, BidderResult, BidderStatus, CandidateBid, DecodedBid, Loss, Markup, ValidBid } from './auction/bids.js';
export { priceAuction, rankByImp } from './auction/ranking.js';
export { Cancellation } from './http/cancellation.js';

// Dialects: the contract, the OpenRTB JSON base and what a dialect reads and writes with.
export type { Dialect, DialectClass, BidderScope, OutboundCall, BidderAnswer, DecodedAnswer } from './plugin/dialect.js';
export { OpenRtbJsonDialect } from './openrtb/json-dialect.js';
export { readJsonAnswer, type JsonAnswerReading } from './plugin/json-answer.js';
export { endpointPathOf } from './auction/transport.js';
export { requestJson } from './openrtb/serialize.js';
export { withFields } from './with-fields.js';
export { downgradeTo25, type OpenRtbVersion } from './openrtb/downgrade.js';
export { hasMarkup, markupTypeOf, offeredMarkupTypes, offersMarkupType } from './openrtb/media.js';
export { LossReason, type LossReasonCode } from './openrtb/loss-reasons.js';
export type * from './openrtb/types.js';
export { MarkupType } from './openrtb/types.js';

// Money and pricing units.
export * from './money.js';
export { DecimalCpmPricing, type Pricing, type PriceReading } from './pricing.js';

// Markup rewriting: trackers, macros, splices, safe outbound URLs.
export type { TrackerUrls } from './trackers/contract.js';
export { TrackerTokenCodec, impressionKey, type TrackerClaim } from './trackers/token-codec.js';
export { isHttpUrl } from './trackers/http-url.js';
export {
  expandMacros, auctionMacroValues, marketBidRatio, mayNameMacros, OPENRTB_MACROS,
  type MacroValues, type MacroSubject, type ExpandOptions, type OpenRtbMacro,
} from './macros.js';
export { applySplices, type Splice } from './splice.js';
export { isPrivateAddress, publicOnlyLookup } from './private-address.js';

// The composition root's built-ins: last, so that every core module above is evaluated before any built-in plugin
// (each imports this file) when a plugin module is the first one loaded.
export { builtinRegistry } from '../plugins/builtin.js';
