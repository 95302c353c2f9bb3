import { inject, injectable } from 'tsyringe';
import {
  auctionMacroValues, type BidderStageContext, type CandidateBid, type ConfigKeys, expandMacros, type Markup, noop,
  type Plugin, type PluginScope, reject, type RewriteContext, Tokens, type TrackerUrls, update, z, withFields,
} from '../../core/index.js';
import { readNative, requestAllowsImageEventTracker, rewriteNative } from './native-markup.js';

export { readNative, requestAllowsImageEventTracker, rewriteNative, type NativeReading, type NativeShape, type NativeTrackers } from './native-markup.js';

/**
 * `adm-native` (on by default) for Native 1.0–1.2 markup (`bid.mtype` 4), as a JSON string or object, with or
 * without the pre-1.1 `{"native": …}` root:
 * - `bidValidate`: markup that is not a Native response is rejected (loss reason 3 not JSON, 204 not a
 *   response), so the auction can pick another bid;
 * - `admRewrite`: macros, the exchange's impression tracker (in `eventtrackers` as event 1 / method 1 when the
 *   imp's Native request lists that tracker, else in `imptrackers`) and click tracker (`link.clicktrackers`),
 *   in the shape the bidder sent.
 */
@injectable()
export class AdmNative implements Plugin {
  /** It takes no options. */
  static readonly configKeys: ConfigKeys = { options: z.object({}) };

  constructor(
    @inject(Tokens.PluginScope) private readonly scope: PluginScope,
    @inject(Tokens.TrackerUrls) private readonly trackers: TrackerUrls,
  ) {}

  /** Rejects Native bids whose markup is not a Native response. */
  bidValidate(_ctx: BidderStageContext, candidate: CandidateBid) {
    if (candidate.admFormat !== 'native' || candidate.bid.adm === undefined) return noop();
    const reading = readNative(candidate.bid.adm);
    return reading.ok ? noop() : reject(reading.code, reading.reason);
  }

  /** Adds the exchange's trackers to a Native winner; other formats pass through untouched. */
  admRewrite(ctx: RewriteContext, markup: Markup) {
    if (markup.format !== 'native') return noop();
    const { auction, award, bidder } = ctx;
    const imp = auction.request.imp.find((candidate) => candidate.id === award.candidate.bid.impid);
    const macros = auctionMacroValues(auction, { award }, bidder.pricing);
    // The click first: listed in the award's impression token, it needs no signature of its own.
    const [click] = this.trackers.clicks(auction, award, [undefined]);
    const result = rewriteNative(markup.adm, macros, {
      impression: this.trackers.impression(auction, award),
      click,
      useEventTrackers: requestAllowsImageEventTracker(imp?.native?.request),
    });
    if (!result.ok) {
      this.scope.log.error({ auctionId: auction.auctionId, bidder: bidder.name, reason: result.reason }, 'Native winner could not be rewritten: delivered without the exchange trackers');
      // Macros are still expanded: `${AUCTION_PRICE}` never reaches a client as written (T4).
      return update(withFields(markup, { adm: expandMacros(markup.adm, macros) }));
    }
    return update(withFields(markup, { adm: typeof result.adm === 'string' ? result.adm : JSON.stringify(result.adm) }));
  }
}
