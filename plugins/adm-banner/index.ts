import { inject, injectable } from 'tsyringe';
import {
  auctionMacroValues, type ConfigKeys, expandMacros, type MacroValues, type Markup, mayNameMacros, noop, type Plugin,
  type PluginScope, type RewriteContext, Tokens, type TrackerUrls, update, withFields,
} from '../../core/index.js';
import { clickMacroStrategy } from './click-macro.js';
import { htmlWrapStrategy } from './html-wrap.js';
import { addImpressionPixel } from './impression-pixel.js';
import { noClickStrategy } from './none.js';
import { redirectWrapStrategy } from './redirect-wrap.js';
import { CLICK_CONFIG_KEYS, DEFAULT_CLICK_MACROS, resolveClickSettings, type ClickSettings, type ClickStrategyName } from './settings.js';
import type { ClickStrategy } from './strategy.js';

export { CLICK_STRATEGIES, type ClickSettings, type ClickStrategyName, type ClickMacro, type MacroEncoding } from './settings.js';

/** The click strategies by the names config uses. */
export const CLICK_STRATEGY_BY_NAME: Readonly<Record<ClickStrategyName, ClickStrategy>> = {
  'click-macro': clickMacroStrategy,
  'redirect-wrap': redirectWrapStrategy,
  'html-wrap': htmlWrapStrategy,
  none: noClickStrategy,
};

/** What {@link rewriteBanner} needs besides the markup. */
export interface BannerRewriteInput {
  readonly settings: ClickSettings;
  /** The winner's OpenRTB macro values, in its own units (core/macros.ts). */
  readonly macros: MacroValues;
  /** The exchange's impression URL for the winner: asked for after the click URLs (see `TrackerUrls.clicks`). */
  readonly impressionUrl: () => string;
  /** The exchange's click URL, with `destination` signed into it (strategy.ts, `ClickInput.clickUrl`). */
  readonly clickUrl: (destination?: string) => string;
  /** Several click URLs at once (strategy.ts, `ClickInput.clickUrls`). */
  readonly clickUrls: (destinations: readonly (string | undefined)[]) => string[];
}

/** A rewritten banner, with the click strategy that applied and why the ones before it did not. */
export interface BannerRewrite {
  readonly adm: string;
  readonly strategy: ClickStrategyName;
  readonly detail: string;
  readonly skipped: ReadonlyArray<{ readonly strategy: ClickStrategyName; readonly reason: string }>;
}

/**
 * Rewrites winning HTML or JavaScript markup: OpenRTB macros expanded (T4), the first click strategy of the
 * bidder's chain that applies (T6), then the exchange's impression tracker (T5).
 */
export function rewriteBanner(adm: string, format: 'html' | 'javascript', input: BannerRewriteInput): BannerRewrite {
  const expanded = expandMacros(adm, input.macros);
  const skipped: Array<{ strategy: ClickStrategyName; reason: string }> = [];
  for (const name of input.settings.chain) {
    const outcome = CLICK_STRATEGY_BY_NAME[name].apply({ adm: expanded, format, macros: input.settings.macros, clickUrl: input.clickUrl, clickUrls: input.clickUrls });
    if (!outcome.applied) {
      skipped.push({ strategy: name, reason: outcome.reason });
      continue;
    }
    return { adm: addImpressionPixel(outcome.adm, format, input.impressionUrl(), outcome.body), strategy: name, detail: outcome.detail, skipped };
  }
  // Unreachable with a resolved chain (it always ends with `none`), kept for hand-made settings.
  return { adm: addImpressionPixel(expanded, format, input.impressionUrl()), strategy: 'none', detail: 'no strategy applied', skipped };
}

const NO_MACROS: MacroValues = {};

const FALLBACK_SETTINGS: ClickSettings = { chain: ['click-macro', 'redirect-wrap', 'none'], macros: DEFAULT_CLICK_MACROS };

/**
 * `adm-banner` (`admRewrite`, on by default): the winner's HTML markup, or a tag dialect's JavaScript markup,
 * gets its OpenRTB macros expanded, its clicks sent through the exchange by the bidder's click strategy
 * (`click`, then `clickFallback`; see README) and the exchange's 1×1 impression tracker. Which strategy applied
 * is logged (`debug`, or `info` when a fallback did). VAST and Native markup are left to their own plugins.
 */
@injectable()
export class AdmBanner implements Plugin {
  /** The click keys (`click`, `clickFallback`, `clickMacros`), as options (the defaults) and on each bidder. */
  static readonly configKeys: ConfigKeys = CLICK_CONFIG_KEYS;

  private readonly settings: ReadonlyMap<string, ClickSettings>;

  constructor(
    @inject(Tokens.PluginScope) private readonly scope: PluginScope,
    @inject(Tokens.TrackerUrls) private readonly trackers: TrackerUrls,
  ) {
    this.settings = resolveClickSettings(scope.options, scope.config, scope.optionsAt);
  }

  /** Rewrites HTML and JavaScript winners; other formats pass through untouched. */
  admRewrite(ctx: RewriteContext, markup: Markup) {
    if (markup.format !== 'html' && markup.format !== 'javascript') return noop();
    const { auction, award, bidder } = ctx;
    const result = rewriteBanner(markup.adm, markup.format, {
      settings: this.settings.get(bidder.name) ?? FALLBACK_SETTINGS,
      // Most banners name no macro: their values (an object with getters, per winner) are then not built.
      macros: mayNameMacros(markup.adm) ? auctionMacroValues(auction, { award }, bidder.pricing) : NO_MACROS,
      impressionUrl: () => this.trackers.impression(auction, award),
      clickUrl: (destination) => this.trackers.click(auction, award, destination),
      clickUrls: (destinations) => this.trackers.clicks(auction, award, destinations),
    });
    if (this.scope.log.isLevelEnabled('debug')) {
      const line = { auctionId: auction.auctionId, bidder: bidder.name, strategy: result.strategy, detail: result.detail, skipped: result.skipped };
      this.scope.log.debug(line, result.skipped.length ? 'click strategy fell back' : 'click strategy applied');
    }
    return update(withFields(markup, { adm: result.adm }));
  }
}
