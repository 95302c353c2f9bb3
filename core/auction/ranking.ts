import type { Micros } from '../money.js';
import { LossReason } from '../openrtb/loss-reasons.js';
import type { Award, AuctionOutcome, Loss, ValidBid } from './bids.js';

/** How a price auction sets the winner's price, given the runner-up (if any) and the imp's floor. */
export type ClearingRule = (winner: Micros, runnerUp: Micros | undefined, floor: Micros) => Micros;

/**
 * The shared core of price auctions, per imp: bids below the floor lose with 100; the rest are ranked by
 * price, highest first, ties to the earlier answer; the first wins at `clearing(...)`, the others lose with
 * 102. The runner-up is the best eligible bid of *another* bidder: a bidder's own other bids never set its
 * price. Min-to-win follows OpenRTB §4.4.1: the winner's is the runner-up's price (or the floor), a loser's is
 * the winner's clearing price.
 */
export function priceAuction(
  candidates: readonly ValidBid[],
  floors: ReadonlyMap<string, Micros>,
  clearing: ClearingRule,
): AuctionOutcome {
  const awards: Award[] = [];
  const losses: Loss[] = [];
  for (const [impId, ranked] of rankByImp(candidates)) {
    const floor = floors.get(impId) ?? 0;
    const eligible = ranked.filter((c) => c.priceMicros >= floor);
    const winner = eligible[0];
    const runnerUp = winner && eligible.find((candidate) => candidate.bidder !== winner.bidder);
    const clearingMicros = winner ? Math.min(winner.priceMicros, clearing(winner.priceMicros, runnerUp ? runnerUp.priceMicros : undefined, floor)) : floor;
    if (winner) awards.push({ candidate: winner, clearingMicros, minToWinMicros: runnerUp?.priceMicros ?? floor });
    for (const candidate of ranked) {
      if (candidate === winner) continue;
      const belowFloor = candidate.priceMicros < floor;
      losses.push({
        candidate,
        code: belowFloor ? LossReason.belowFloor : LossReason.lostToHigherBid,
        minToWinMicros: clearingMicros,
      });
    }
  }
  return { awards, losses };
}

/** Valid candidates grouped by imp id, each group sorted by price (descending), ties by arrival. */
export function rankByImp(candidates: readonly ValidBid[]): Map<string, ValidBid[]> {
  const byImp = new Map<string, ValidBid[]>();
  for (const candidate of candidates) {
    const group = byImp.get(candidate.bid.impid);
    if (group) group.push(candidate);
    else byImp.set(candidate.bid.impid, [candidate]);
  }
  for (const group of byImp.values()) group.sort((a, b) => b.priceMicros - a.priceMicros || a.arrival - b.arrival);
  return byImp;
}
