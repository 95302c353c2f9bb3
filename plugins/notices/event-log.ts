import type { Logger } from 'pino';
import type { Award, Loss, TrackerClaim } from '../../core/index.js';

/**
 * The money events as structured log lines, one per event, each with the auction id, the bidder and a price in
 * micros (`priceMicros`: what the winner pays, or for a loss what the loser bid):
 * `win`, `offer`, `loss`, `impression`, `billing`, `click`.
 */
export class EventLog {
  constructor(private readonly log: Logger) {}

  /** A bid won its impression (T1). */
  win(auctionId: string, award: Award, nurl: boolean): void {
    const { candidate } = award;
    this.log.info({
      event: 'win', auctionId, bidder: candidate.bidder, bidId: candidate.bid.id, impId: candidate.bid.impid,
      priceMicros: award.clearingMicros, bidMicros: candidate.priceMicros, minToWinMicros: award.minToWinMicros, nurl,
    }, 'win');
  }

  /**
   * A bid offered to a page that decides (`ext.prebid.targeting`): it may win in the page's ad server; its win is
   * known when it renders (its `impression` and `billing` lines), when its `nurl` is sent.
   */
  offer(auctionId: string, award: Award, nurl: boolean): void {
    const { candidate } = award;
    this.log.info({
      event: 'offer', auctionId, bidder: candidate.bidder, bidId: candidate.bid.id, impId: candidate.bid.impid,
      priceMicros: award.clearingMicros, minToWinMicros: award.minToWinMicros, nurl,
    }, 'offer');
  }

  /** A bid lost or was rejected, with its OpenRTB loss reason (T3). */
  loss(auctionId: string, loss: Loss, lurl: boolean): void {
    const { candidate } = loss;
    this.log.info({
      event: 'loss', auctionId, bidder: candidate.bidder, bidId: candidate.bid.id, impId: candidate.bid.impid,
      priceMicros: candidate.priceMicros, code: loss.code, minToWinMicros: loss.minToWinMicros, lurl,
    }, 'loss');
  }

  /** The impression tracker was hit; `duplicate` when this impression was already billed. */
  impression(claim: TrackerClaim, duplicate: boolean): void {
    this.log.info(Object.assign(claimLine('impression', claim), { priceMicros: claim.clearingMicros, duplicate }), 'impression');
  }

  /** An impression became billable: recorded once, whether or not the bid had a `burl` (T2). */
  billing(claim: TrackerClaim, burl: boolean): void {
    this.log.info(Object.assign(claimLine('billing', claim), { priceMicros: claim.clearingMicros, burl }), 'billing');
  }

  /** The click tracker was hit. */
  click(claim: TrackerClaim): void {
    this.log.info(Object.assign(claimLine('click', claim), { priceMicros: claim.clearingMicros, destination: claim.destination }), 'click');
  }
}

/**
 * The start of a tracker event's line: the event and the award's ids. The caller adds its own fields with
 * `Object.assign` (a spread of this followed by other fields is slow on Node 20, and these lines come with every
 * rendered impression).
 */
function claimLine(event: string, claim: TrackerClaim) {
  return { event, auctionId: claim.auctionId, bidder: claim.bidder, bidId: claim.bidId, impId: claim.impId };
}
