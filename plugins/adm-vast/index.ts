import { performance } from 'node:perf_hooks';
import { inject, injectable } from 'tsyringe';
import type { Dispatcher } from 'undici';
import {
  applySplices, auctionMacroValues, type BidderStageContext, type CandidateBid, type ConfigKeys, expandMacros,
  type HookCall, type Imp, LossReason, type MacroValues, type Markup, noop, type Plugin, type PluginScope, reject,
  type RewriteContext, Tokens, type TrackerUrls, update, withFields,
} from '../../core/index.js';
import { fillTrackerSlots, planVastTrackers, type VastTrackerPlan, type VastTrackerUrls } from './insert-trackers.js';
import { allowedDepth, readDepthOverrides, VAST_CONFIG_KEYS, VAST_SECTION, type DepthOverrides, type VastSection } from './settings.js';
import { protocolProblem, readVast, type VastDocument } from './vast-document.js';
import { VastReadings } from './vast-readings.js';
import { WrapperChainResolver } from './wrapper-chain.js';

export { readVast, acceptingProtocols, protocolProblem, type VastDocument, type VastAd, type VastElement, type VastReading } from './vast-document.js';
export { insertVastTrackers, planVastTrackers, fillTrackerSlots, type VastTrackerPlan, type TrackerSlot, type VastTrackerUrls } from './insert-trackers.js';
export { WrapperChainResolver, type ChainLimits, type ChainVerdict, type ResolverOptions } from './wrapper-chain.js';
export type { FetchPolicy, FetchResult } from './safe-fetch.js';

/** Escapes macro values that would break XML (`&`, `<`, `>`); plain values (prices, ids) pass as they are. */
function xmlSafeValues(values: MacroValues): MacroValues {
  const safe: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    safe[name] = value === undefined ? undefined : value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }
  return safe;
}

/** A rewritten VAST document, or (without trackers) why it could not be rewritten. */
export type VastRewrite =
  | { readonly ok: true; readonly adm: string; readonly ads: number }
  | { readonly ok: false; readonly adm: string; readonly reason: string };

/**
 * Rewrites a winner's VAST (its markup, or the plan its validation made): the exchange's `<Impression>` in
 * every ad and a `<ClickTracking>` in every `<Linear>` (T5), and OpenRTB macros expanded in the bidder's text
 * (T4), XML-escaped. With the plan, a winner is parsed once, by its validation. Markup that does not parse is
 * returned with its macros expanded, without trackers, with the reason.
 */
export function rewriteVast(source: string | VastTrackerPlan, macros: MacroValues, urls: VastTrackerUrls): VastRewrite {
  const values = xmlSafeValues(macros);
  let plan = source;
  if (typeof plan === 'string') {
    const reading = readVast(plan);
    if (!reading.ok) return { ok: false, adm: expandMacros(plan, values), reason: reading.reason };
    plan = planVastTrackers(reading.doc);
  }
  // Every slot is at a tag boundary, which no macro spans: expanding the text between them is expanding it all.
  const adm = applySplices(plan.text, fillTrackerSlots(plan, urls), (text) => expandMacros(text, values));
  return { ok: true, adm, ads: plan.ads };
}

/** The imp's accepted VAST protocols: `video.protocols` (or 2.5's single `protocol`), else `audio.protocols`. */
function protocolsOf(imp: Imp | undefined): readonly number[] | undefined {
  const media = imp?.video ?? imp?.audio;
  if (!media) return undefined;
  if (Array.isArray(media.protocols)) return media.protocols;
  return typeof media.protocol === 'number' ? [media.protocol] : undefined;
}

/**
 * `adm-vast` (on by default) for VAST markup (`bid.mtype` 2 video, 3 audio):
 * - `bidValidate`: the markup must parse as VAST 2.0–4.x (else loss reason 3 or 204) of a version and kind the
 *   imp's `protocols` accept (else 204), and its Wrapper chain must resolve (T7): see
 *   {@link WrapperChainResolver} for the loss reasons 1001–1003. A rejected bid leaves the auction to the others.
 * - `admRewrite`: macros, the exchange's `<Impression>` and `<ClickTracking>` (see {@link rewriteVast}).
 * Limits come from the `vast` config section; `maxWrapperDepth` may be overridden per site and per bidder.
 */
@injectable()
export class AdmVast implements Plugin {
  /** Its options are the top-level `vast` section; a site or a bidder may override `maxWrapperDepth`. */
  static readonly configKeys: ConfigKeys = VAST_CONFIG_KEYS;
  /** The `vast` section. */
  private readonly vast: VastSection;

  private readonly resolver: WrapperChainResolver;
  private readonly overrides: DepthOverrides;
  /** Where each accepted bid takes the trackers, for its rewrite if it wins: a VAST winner is parsed once. */
  private readonly validated = new WeakMap<CandidateBid, VastTrackerPlan>();
  /** Markups read lately: a creative sent again is not parsed again. */
  private readonly readings = new VastReadings();

  constructor(
    @inject(Tokens.PluginScope) private readonly scope: PluginScope,
    @inject(Tokens.TrackerUrls) private readonly trackers: TrackerUrls,
    @inject(Tokens.HttpDispatcher) dispatcher: Dispatcher,
  ) {
    const vast = (this.vast = VAST_SECTION.parse(scope.options));
    this.overrides = readDepthOverrides(scope.config);
    this.resolver = new WrapperChainResolver(dispatcher, {
      allowPrivateNetworks: vast.allowPrivateNetworks,
      maxBytes: vast.maxDocumentBytes,
      maxRedirects: 3,
      cacheTtlMs: vast.cacheTtlMs,
      maxCacheEntries: 1_000,
      maxDocumentsPerBid: 32,
    });
  }

  /**
   * Parses VAST bids (at most `vast.maxDocumentBytes`), checks their version against the imp, and follows their
   * Wrapper chains. Synchronous for every bid but a VAST Wrapper (other formats, InLine VAST): only a chain to
   * follow costs a promise.
   */
  bidValidate(ctx: BidderStageContext, candidate: CandidateBid, call: HookCall) {
    if (candidate.admFormat !== 'vast' || typeof candidate.bid.adm !== 'string') return noop();
    // The parse is synchronous: a bidder's megabyte of markup would hold every auction up while it runs.
    const { maxDocumentBytes } = this.vast;
    // A UTF-8 byte count is at most 3 per UTF-16 unit: markup that short is within the limit without counting.
    if (candidate.bid.adm.length > maxDocumentBytes / 3 && Buffer.byteLength(candidate.bid.adm) > maxDocumentBytes) {
      return reject(LossReason.invalidBidResponse, `VAST markup is larger than vast.maxDocumentBytes (${maxDocumentBytes} bytes)`);
    }
    const read = this.readings.read(candidate.bid.adm);
    const { reading } = read;
    if (!reading.ok) return reject(reading.code, reading.reason);
    const protocols = protocolsOf(ctx.auction.request.imp.find((imp) => imp.id === candidate.bid.impid));
    const problem = protocolProblem(reading.doc, protocols);
    if (problem) return reject(LossReason.incorrectCreativeFormat, problem);
    this.validated.set(candidate, read.plan());
    if (!reading.doc.ads.some((ad) => ad.kind === 'wrapper')) return noop();
    return this.followWrappers(ctx, reading.doc, protocols, call);
  }

  /** Follows a Wrapper chain within the hook's own deadline (the auction's, at most: T7), and `vast.wrapperTimeoutMs`. */
  private async followWrappers(ctx: BidderStageContext, doc: VastDocument, protocols: ReturnType<typeof protocolsOf>, call: HookCall) {
    if (call.deadline - performance.now() < 1) return reject(LossReason.vastWrapperTimeout, 'no time left in the auction to follow the VAST wrapper chain');
    const { wrapperTimeoutMs } = this.vast;
    const signal = wrapperTimeoutMs === undefined ? call.signal : AbortSignal.any([call.signal, AbortSignal.timeout(wrapperTimeoutMs)]);
    const maxDepth = allowedDepth(this.vast.maxWrapperDepth, this.overrides, ctx.auction.site?.id, ctx.bidder.name);
    const verdict = await this.resolver.check(doc, { maxDepth, protocols, signal });
    if (verdict.ok) return noop();
    this.scope.log.debug({ auctionId: ctx.auction.auctionId, bidder: ctx.bidder.name, code: verdict.code, reason: verdict.reason }, 'VAST wrapper chain refused');
    return reject(verdict.code, verdict.reason);
  }

  /** Adds the exchange's trackers to a VAST winner; other formats pass through untouched. */
  admRewrite(ctx: RewriteContext, markup: Markup) {
    if (markup.format !== 'vast') return noop();
    const { auction, award, bidder } = ctx;
    // The click first: listed in the award's impression token, it needs no signature of its own.
    const [click] = this.trackers.clicks(auction, award, [undefined]);
    // The plan made at validation, unless an earlier rewriter changed the markup since.
    const validated = this.validated.get(award.candidate);
    const source = validated && markup.adm === award.candidate.bid.adm ? validated : markup.adm;
    const result = rewriteVast(source, auctionMacroValues(auction, { award }, bidder.pricing), { impression: this.trackers.impression(auction, award), click });
    if (!result.ok) this.scope.log.error({ auctionId: auction.auctionId, bidder: bidder.name, reason: result.reason }, 'VAST winner could not be rewritten: delivered without the exchange trackers');
    return update(withFields(markup, { adm: result.adm }));
  }

  /** Drops cached wrapper documents and closes the wrapper fetches' own connections. */
  stop(): Promise<void> {
    return this.resolver.close();
  }
}
