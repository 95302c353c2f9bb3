import { inject, injectable } from 'tsyringe';
import {
  type BidderStageContext, type CandidateBid, type ConfigKeys, hasMarkup, LossReason, markupTypeOf, noop, offersMarkupType,
  type Plugin, reject, Tokens, type TrackerUrls, z,
} from '../../core/index.js';

/**
 * `core-bid-validation` (on by default, first in `bidValidate`): the checks every exchange makes before a bid
 * may take part. Each rejection carries its OpenRTB loss reason: 3 unknown imp / wrong currency / unreadable
 * price, 9 missing or zero price, 100 below the effective floor, 7 no markup (ad served in the bid only, K6),
 * 204 markup type the imp did not offer, 3 a bid that could never be billed (its `burl`, ids and the auction id
 * would make an impression tracker too long to be honoured: `TrackerUrls.billable`).
 */
@injectable()
export class CoreBidValidation implements Plugin {
  /** It takes no options. */
  static readonly configKeys: ConfigKeys = { options: z.object({}) };

  constructor(@inject(Tokens.TrackerUrls) private readonly trackers: TrackerUrls) {}

  bidValidate(ctx: BidderStageContext, candidate: CandidateBid) {
    const { bid } = candidate;
    if (candidate.invalid) return reject(candidate.invalid.code, candidate.invalid.reason);
    const imp = ctx.auction.request.imp.find((i) => i.id === bid.impid);
    if (!imp) return reject(LossReason.invalidBidResponse, `impid "${String(bid.impid)}" is not in the request`);
    if (candidate.currency !== ctx.auction.currency) {
      return reject(LossReason.invalidBidResponse, `currency ${candidate.currency} is not the exchange's ${ctx.auction.currency}`);
    }
    if (candidate.priceMicros === null || candidate.priceMicros <= 0) return reject(LossReason.missingPrice, 'price must be above zero');
    const floor = ctx.auction.floors.get(imp.id) ?? 0;
    if (candidate.priceMicros < floor) return reject(LossReason.belowFloor, `price below the floor of ${floor} micros`);
    if (!hasMarkup(bid.adm)) return reject(LossReason.missingMarkup, 'no adm: only ad served in the bid is supported');
    const mtype = markupTypeOf(ctx.auction.request, imp.id, bid.mtype);
    if (mtype === undefined) return reject(LossReason.incorrectCreativeFormat, 'mtype required: the imp offers several formats');
    if (!offersMarkupType(imp, mtype)) return reject(LossReason.incorrectCreativeFormat, `mtype ${mtype} not offered by imp ${imp.id}`);
    if (!this.trackers.billable(ctx.auction, candidate)) {
      return reject(LossReason.invalidBidResponse, 'burl and ids too long for an impression tracker that can be honoured: it could never be billed');
    }
    return noop();
  }
}
