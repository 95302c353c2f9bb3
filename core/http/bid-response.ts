import type { AuctionResult } from '../auction/pipeline.js';
import type { AdmFormat } from '../auction/bids.js';
import { microsToCpmNumber, type Micros } from '../money.js';
import { markupTypeOf } from '../openrtb/media.js';
import { MarkupType, type Bid, type BidResponse, type SeatBid } from '../openrtb/types.js';
import type { TrackerUrls } from '../trackers/contract.js';
import { withFields } from '../with-fields.js';

/** Prebid's media type names (`bid.ext.prebid.type`), by OpenRTB markup type. */
const PREBID_TYPE: Readonly<Record<number, string>> = {
  [MarkupType.banner]: 'banner',
  [MarkupType.video]: 'video',
  [MarkupType.audio]: 'audio',
  [MarkupType.native]: 'native',
};

/** The markup type a bid's format means when neither the bid nor its imp says (HTML and JavaScript are banners). */
const TYPE_OF_FORMAT: Readonly<Record<AdmFormat, number>> = { html: MarkupType.banner, javascript: MarkupType.banner, vast: MarkupType.video, native: MarkupType.native };

/** Prebid Server's error codes in `ext.errors`: a timeout, a bidder's bad answer, anything else (an unknown bidder code). */
const PBS_ERROR = { timeout: 1, badServerResponse: 3, unknownBidder: 999 } as const;

/** A finished auction's answer, and each of its bids' price in micros (what the targeting keys bucket). */
export interface AnsweredAuction {
  readonly response: BidResponse;
  readonly clearingMicros: ReadonlyMap<Bid, Micros>;
}

/**
 * The BidResponse for a finished auction, as a Prebid Server answers `POST /openrtb2/auction`: one seat per winning
 * bidder (its name: the bidder code the page uses), each bid at its clearing price with its rewritten markup,
 * `mtype` and `ext.prebid.type` always set, and `ext.responsetimemillis` and `ext.errors` per bidder asked (and
 * per bidder code the request named that the exchange does not have). The
 * exchange fires every bidder notice itself, so a bid carries only the exchange's own URLs: no `nurl` or `lurl`,
 * and as `burl` the exchange's impression tracker (a client that fires it bills through the exchange, once).
 * No winner: a `200` with an empty `seatbid`, as Prebid Server answers (Prebid.js reads a `204` as a bad answer).
 */
export function bidResponse(result: AuctionResult, trackers: TrackerUrls, unknownBidders: readonly string[] = []): AnsweredAuction {
  const { ctx } = result;
  const seats = new Map<string, SeatBid>();
  const clearingMicros = new Map<Bid, Micros>();
  for (const { award, bidder, markup } of result.deliveries) {
    const seat = seats.get(bidder.name) ?? { seat: bidder.name, bid: [] };
    const bid = award.candidate.bid;
    const mtype = markupTypeOf(ctx.request, bid.impid, bid.mtype) ?? TYPE_OF_FORMAT[markup.format];
    const ext = (bid.ext ?? {}) as Record<string, unknown>;
    const prebid = withFields((ext.prebid ?? {}) as Record<string, unknown>, { type: PREBID_TYPE[mtype] ?? 'banner' });
    const answered = answeredBid(bid, {
      price: microsToCpmNumber(award.clearingMicros),
      adm: markup.adm,
      burl: trackers.impression(ctx, award),
      mtype,
      ext: withFields(ext, { prebid }),
    });
    seat.bid.push(answered);
    clearingMicros.set(answered, award.clearingMicros);
    seats.set(bidder.name, seat);
  }
  // A bidder that did not answer in time was waited for until the auction was decided.
  const decidedAfterMs = Date.now() - ctx.startedAt;
  const responsetimemillis: Record<string, number> = {};
  const errors: Record<string, Array<{ code: number; message: string }>> = {};
  for (const bidder of result.bidders) {
    responsetimemillis[bidder.bidder] = Math.round(bidder.latencyMs ?? decidedAfterMs);
    if (bidder.status === 'timeout') errors[bidder.bidder] = [{ code: PBS_ERROR.timeout, message: bidder.detail ?? 'timeout' }];
    else if (bidder.status === 'error') errors[bidder.bidder] = [{ code: PBS_ERROR.badServerResponse, message: bidder.detail ?? 'error' }];
  }
  for (const code of unknownBidders) errors[code] = [{ code: PBS_ERROR.unknownBidder, message: `unknown bidder: no bidder "${code}" on this exchange` }];
  const response: BidResponse = {
    id: ctx.request.id,
    cur: ctx.currency,
    seatbid: [...seats.values()],
    ext: Object.keys(errors).length ? { responsetimemillis, errors } : { responsetimemillis },
  };
  return { response, clearingMicros };
}

/** The bidder's fields the page is not given: its notice URLs are the exchange's to call (`burl` becomes its tracker). */
const NOT_ANSWERED = new Set(['nurl', 'lurl', 'burl', '__proto__']);

/**
 * The bid as the page gets it: the bidder's own fields but its notice URLs (and a parsed `__proto__`, which would
 * otherwise set the copy's prototype), with `fields` on top. A loop rather than a rest and a spread: every
 * answered bid goes through it, and those are slow.
 */
function answeredBid(bid: Bid, fields: Partial<Bid>): Bid {
  const answered: Record<string, unknown> = {};
  for (const key in bid) if (!NOT_ANSWERED.has(key)) answered[key] = bid[key];
  return Object.assign(answered, fields) as Bid;
}
