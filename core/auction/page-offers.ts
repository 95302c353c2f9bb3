import type { Micros } from '../money.js';
import { LossReason } from '../openrtb/loss-reasons.js';
import type { Award, AuctionOutcome, Loss, ValidBid } from './bids.js';
import { rankByImp } from './ranking.js';

/**
 * The outcome of an auction the page decides (an OpenRTB caller that asks for `ext.prebid.targeting`, as Prebid.js
 * does): the exchange does not pick a winner but offers, on each imp, every bidder's best bid at or above the
 * floor, at its own price (the page's ad server compares them). A bid below the floor loses with 100 and learns the
 * floor; a bidder's other bids on the imp lose with 102 and learn the price of the bid that was offered instead.
 * Each offer's min-to-win is the floor: the exchange never learns what it competes with.
 */
export function pageOffers(candidates: readonly ValidBid[], floors: ReadonlyMap<string, Micros>): AuctionOutcome {
  const awards: Award[] = [];
  const losses: Loss[] = [];
  for (const [impId, ranked] of rankByImp(candidates)) {
    const floor = floors.get(impId) ?? 0;
    const offered = new Map<string, ValidBid>();
    for (const candidate of ranked) {
      if (candidate.priceMicros < floor) {
        losses.push({ candidate, code: LossReason.belowFloor, minToWinMicros: floor });
        continue;
      }
      const best = offered.get(candidate.bidder);
      if (best) {
        losses.push({ candidate, code: LossReason.lostToHigherBid, minToWinMicros: best.priceMicros });
        continue;
      }
      offered.set(candidate.bidder, candidate);
      awards.push({ candidate, clearingMicros: candidate.priceMicros, minToWinMicros: floor });
    }
  }
  return { awards, losses };
}
