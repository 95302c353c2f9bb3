import { auctionMacroValues, type AuctionNoticeEvent, expandMacros, type Pricing } from '../../core/index.js';
import type { NoticeKind } from './notice.js';

/** A notice an auction owes, before it is given an id and accepted. */
export interface OwedNotice {
  readonly kind: Extract<NoticeKind, 'nurl' | 'lurl'>;
  readonly bidder: string;
  readonly url: string;
}

/**
 * The notices one decided auction owes (K7): the winner's `nurl` for each award (T1; not when the page decides: then
 * it is sent at render, see `AuctionContext.pageDecides`), and the `lurl` of every
 * bid that lost or was rejected and gave one (T3), with `${AUCTION_LOSS}` and `${AUCTION_MIN_TO_WIN}` from its
 * loss and the price macro blank. Macros are expanded in each bidder's units and URL-encoded. At most
 * `limits.perAuction` in all and `limits.perBidder` to one bidder (`limits.noticesPerAuction`, `noticesPerBidder`):
 * `nurl`s first, then `lurl`s in the auction's order; `unsent` counts the rest.
 */
export function auctionNotices(
  event: AuctionNoticeEvent,
  pricingOf: (bidder: string) => Pricing,
  limits: { readonly perAuction: number; readonly perBidder: number } = { perAuction: Infinity, perBidder: Infinity },
): { owed: OwedNotice[]; unsent: number } {
  const owed: OwedNotice[] = [];
  const perBidder = new Map<string, number>();
  let unsent = 0;
  /** Whether one more notice to `bidder` is within the limits (counted when it is). */
  const room = (bidder: string) => {
    const sent = perBidder.get(bidder) ?? 0;
    if (owed.length >= limits.perAuction || sent >= limits.perBidder) return false;
    perBidder.set(bidder, sent + 1);
    return true;
  };
  const { auction, outcome } = event;
  // When the page decides, an offer's `nurl` goes with its billing, once it renders (the tracker token carries it).
  for (const award of auction.pageDecides ? [] : outcome.awards) {
    const { nurl } = award.candidate.bid;
    if (typeof nurl !== 'string' || nurl === '') continue;
    if (!room(award.candidate.bidder)) {
      unsent++;
      continue;
    }
    const values = auctionMacroValues(auction, { award }, pricingOf(award.candidate.bidder));
    owed.push({ kind: 'nurl', bidder: award.candidate.bidder, url: expandMacros(nurl, values, { urlEncode: true }) });
  }
  for (const loss of outcome.losses) {
    const { lurl } = loss.candidate.bid;
    if (typeof lurl !== 'string' || lurl === '') continue;
    if (!room(loss.candidate.bidder)) {
      unsent++;
      continue;
    }
    const values = auctionMacroValues(auction, { loss }, pricingOf(loss.candidate.bidder));
    owed.push({ kind: 'lurl', bidder: loss.candidate.bidder, url: expandMacros(lurl, values, { urlEncode: true }) });
  }
  return { owed, unsent };
}
