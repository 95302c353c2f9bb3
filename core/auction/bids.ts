import type { Micros } from '../money.js';
import type { Bid } from '../openrtb/types.js';
import type { LossReasonCode } from '../openrtb/loss-reasons.js';

/** How a bid's markup is delivered: HTML, JavaScript (tag dialects), VAST XML or Native JSON. */
export type AdmFormat = 'html' | 'javascript' | 'vast' | 'native';

/** A bid as a dialect decoded it, before validation. */
export interface DecodedBid {
  /** The bid in OpenRTB form; `bid.price` is the wire price, kept for logs and notices. */
  readonly bid: Bid;
  readonly seat?: string;
  /** The price in exchange micros, or null when the wire price could not be read (see `invalid`). */
  readonly priceMicros: Micros | null;
  /** The currency the bidder priced in. */
  readonly currency: string;
  readonly admFormat: AdmFormat;
  /** Set by the dialect when the bid is unusable as decoded (e.g. a fractional chip price). */
  readonly invalid?: { readonly code: LossReasonCode; readonly reason: string };
}

/** A decoded bid inside one auction: which bidder gave it and in what order it arrived. */
export interface CandidateBid extends DecodedBid {
  readonly bidder: string;
  /** Arrival order within the auction (0 first): ties go to the earlier answer. */
  readonly arrival: number;
}

/** A candidate that passed validation: its price is known. */
export type ValidBid = CandidateBid & { readonly priceMicros: Micros };

/** A won impression: the bid, what it pays, and the lowest price that would have won. */
export interface Award {
  readonly candidate: ValidBid;
  readonly clearingMicros: Micros;
  /** Minimum bid to tie with the next-closest bid, or the floor with no other bid (OpenRTB §4.4.1). */
  readonly minToWinMicros: Micros;
}

/** A bid that did not win, with its OpenRTB loss reason and (when price decided) the price to tie the winner. */
export interface Loss {
  readonly candidate: CandidateBid;
  readonly code: LossReasonCode;
  readonly reason?: string;
  readonly minToWinMicros: Micros | null;
}

/** The auction stage's answer: at most one award per imp, and a loss for every other valid bid. */
export interface AuctionOutcome {
  readonly awards: readonly Award[];
  readonly losses: readonly Loss[];
}

/**
 * A bidder's outcome in one auction, as the auction log records it. `offer`: its best bid was offered to a page that
 * decides (`AuctionContext.pageDecides`), where it may yet win: that is known only if its ad renders.
 */
export type BidderStatus = 'win' | 'offer' | 'loss' | 'nobid' | 'timeout' | 'error' | 'invalid';

/** What became of one bidder in one auction. */
export interface BidderResult {
  readonly bidder: string;
  readonly status: BidderStatus;
  /** Why, for `nobid`, `timeout`, `error`, `invalid`. */
  readonly detail?: string;
  readonly bids: readonly CandidateBid[];
  /** From the start of the auction to the bidder's answer, ms; null when it did not answer in time. */
  readonly latencyMs: number | null;
}

/** The winner's markup as delivered, after `admRewrite`. */
export interface Markup {
  readonly adm: string;
  readonly format: AdmFormat;
}
