import pino from 'pino';
import type { AuctionOutcome, Award, ValidBid } from '../auction/bids.js';
import type { AuctionContext, BidderStageContext, BidderView } from '../auction/context.js';
import { TimedHookCall, type HookCall } from '../hooks/hook-budget.js';
import type { RewriteContext } from '../hooks/stages.js';

/**
 * An {@link AuctionContext} for calling an `auction` (or other per-auction) hook directly in a unit test:
 * one banner imp per entry of `floors` (imp id → floor in micros), currency USD, a silent log.
 */
export function auctionContextFor(floors: Record<string, number>): AuctionContext {
  return {
    auctionId: 'auction-1',
    request: { id: 'auction-1', imp: Object.keys(floors).map((id) => ({ id, banner: { w: 300, h: 250 } })) },
    origin: 'openrtb',
    floors: new Map(Object.entries(floors)),
    currency: 'USD',
    startedAt: 0,
    deadline: 0,
    log: pino({ level: 'silent' }),
  };
}

/** A valid banner bid of `bidder` on `impid` at `priceMicros`, the `arrival`-th to arrive, for auction hook tests. */
export function validBid(bidder: string, priceMicros: number, arrival: number, impid = '1'): ValidBid {
  return {
    bidder,
    arrival,
    priceMicros,
    currency: 'USD',
    admFormat: 'html',
    bid: { id: `${bidder}-${impid}`, impid, price: priceMicros / 1_000_000, adm: '<b>ad</b>', mtype: 1 },
  };
}

/** An auction outcome as plain rows (who won what at which price; who lost with which code), for assertions. */
export function outcomeRows(outcome: AuctionOutcome) {
  return {
    awards: outcome.awards.map((a) => ({ bidder: a.candidate.bidder, imp: a.candidate.bid.impid, pays: a.clearingMicros, minToWin: a.minToWinMicros })),
    losses: outcome.losses.map((l) => ({ bidder: l.candidate.bidder, imp: l.candidate.bid.impid, code: l.code, minToWin: l.minToWinMicros })),
  };
}

/**
 * A {@link BidderStageContext} for calling a dialect's `encode`/`decode` or a per-bidder hook (`requestBuild`,
 * `bidValidate`) directly: the bidder (from {@link bidderFor}) in `auction` (by default one banner imp `1` with
 * no floor).
 */
export function bidderContextFor(bidder: BidderView, auction: AuctionContext = auctionContextFor({ '1': 0 })): BidderStageContext {
  return { auction, bidder };
}

/**
 * A {@link RewriteContext} for calling an `admRewrite` hook directly: `bid` (from {@link validBid}, its `bidder`
 * being `bidder.name`) won its imp at `clearingMicros` (default: its own price), with `minToWinMicros` the same.
 */
export function rewriteContextFor(bidder: BidderView, bid: ValidBid, clearingMicros = bid.priceMicros, auction?: AuctionContext): RewriteContext {
  const award: Award = { candidate: bid, clearingMicros, minToWinMicros: clearingMicros };
  return { ...bidderContextFor(bidder, auction ?? auctionContextFor({ [bid.bid.impid]: 0 })), award };
}

/** What a hook called directly is told of its call ({@link HookCall}): `budgetMs` from now, as the hook wrapper gives it. */
export function hookCallFor(budgetMs = 50): HookCall {
  return new TimedHookCall(performance.now(), budgetMs);
}
