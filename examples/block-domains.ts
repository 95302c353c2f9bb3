import { inject, injectable } from 'tsyringe';
import {
  type BidderStageContext, type CandidateBid, noop, type Plugin, type PluginScope, reject, Tokens,
} from '../core/index.js';

/**
 * An example plugin, as a plugin author writes one outside `plugins/` (README, "Writing a plugin"): it rejects
 * bids whose advertiser domains (`adomain`) include one of `options.domains`, with loss reason 205 (advertiser
 * blocked). A config brings it with `extensions: { plugins: { 'block-domains': BlockDomains } }`.
 */
@injectable()
export class BlockDomains implements Plugin {
  private readonly blocked: ReadonlySet<string>;

  constructor(@inject(Tokens.PluginScope) scope: PluginScope) {
    this.blocked = new Set(scope.options.domains as string[]);
  }

  /** Rejects a bid that names a blocked advertiser domain. */
  bidValidate(_ctx: BidderStageContext, bid: CandidateBid) {
    return bid.bid.adomain?.some((domain) => this.blocked.has(domain)) ? reject(205, 'advertiser blocked') : noop();
  }
}
