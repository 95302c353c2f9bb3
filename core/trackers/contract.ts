import type { Award, CandidateBid } from '../auction/bids.js';
import type { AuctionContext } from '../auction/context.js';

/**
 * The exchange's own tracker URLs for one won impression, under `server.publicUrl`. Each URL carries an
 * authenticated, expiring token that never reveals the clearing price to the browser (T4).
 * `admRewrite` plugins put them in the winning markup; the core serves the endpoints behind them.
 */
export interface TrackerUrls {
  /** The impression / render tracker: a hit means the ad rendered, and triggers the winner's `burl` once. */
  impression(auction: AuctionContext, award: Award): string;
  /**
   * The click tracker: records the click and answers `302` to `destination`, which is signed into the token
   * (so the endpoint is never an open redirect). Without `destination` the redirect goes to the bid's own
   * click-through target when known, else the click is only recorded (`204`).
   */
  click(auction: AuctionContext, award: Award, destination?: string): string;
  /**
   * The click trackers for several destinations at once (undefined: a click that is only recorded), one URL per
   * entry, in order, each as {@link click} makes it. Cheaper when it comes before the award's first `impression` or
   * `click`: a rewriter that knows its clicks before it writes anything asks for them here first.
   */
  clicks(auction: AuctionContext, award: Award, destinations: readonly (string | undefined)[]): string[];
  /**
   * Whether `candidate`, should it win, gets an impression tracker short enough to be honoured (its `burl`, ids and
   * the auction id all go into the token): a bid for which it is false could never be billed, and is refused in
   * `bidValidate` (`core-bid-validation`, loss reason 3).
   */
  billable(auction: AuctionContext, candidate: CandidateBid): boolean;
}
