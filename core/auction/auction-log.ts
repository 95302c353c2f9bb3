import type { Logger } from 'pino';
import type { AuctionOutcome, BidderResult } from './bids.js';
import type { AuctionContext } from './context.js';

/**
 * One bidder's line in the auction log: its outcome, its best declared price and what it pays (micros), how long
 * it took to answer, and for an `invalid` bidder the OpenRTB loss reason of its first rejected bid.
 */
export interface AuctionLogBidder {
  readonly status: BidderResult['status'];
  readonly priceMicros: number | null;
  readonly paidMicros: number | null;
  /** From the request's build to its decoded answer, ms; null when it did not answer by the deadline. */
  readonly latencyMs: number | null;
  /** For `invalid`: the `bidValidate` (or dialect) loss reason of the bidder's first rejected bid. */
  readonly code?: number;
  readonly detail?: string;
}

/** The auction log record (R6): one JSON line per auction. */
export interface AuctionLogRecord {
  readonly auctionId: string;
  /** The auction's date, `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly site: string | null;
  readonly origin: AuctionContext['origin'];
  readonly durationMs: number;
  readonly bidders: Readonly<Record<string, AuctionLogBidder>>;
}

/** Builds the auction log record for one finished auction. */
export function auctionLogRecord(ctx: AuctionContext, results: readonly BidderResult[], outcome: AuctionOutcome, durationMs: number): AuctionLogRecord {
  // When the page decides, what an offer pays is known only if it renders (its `billing` line): none here.
  const paid = new Map<string, number>();
  for (const award of ctx.pageDecides ? [] : outcome.awards) paid.set(award.candidate.bidder, (paid.get(award.candidate.bidder) ?? 0) + award.clearingMicros);
  let rejectedCodes: Map<string, number> | undefined;
  for (const loss of outcome.losses) {
    rejectedCodes ??= new Map();
    if (!rejectedCodes.has(loss.candidate.bidder)) rejectedCodes.set(loss.candidate.bidder, loss.code);
  }
  const bidders: Record<string, AuctionLogBidder> = {};
  for (const result of results) {
    let best: number | null = null;
    for (const { priceMicros } of result.bids) if (priceMicros !== null && (best === null || priceMicros > best)) best = priceMicros;
    // Field by field rather than spreads of optional parts (4 bidders, every auction).
    const line: { -readonly [Key in keyof AuctionLogBidder]: AuctionLogBidder[Key] } = { status: result.status, priceMicros: best, paidMicros: paid.get(result.bidder) ?? null, latencyMs: result.latencyMs };
    if (result.status === 'invalid' && rejectedCodes?.has(result.bidder)) line.code = rejectedCodes.get(result.bidder);
    if (result.detail) line.detail = result.detail;
    bidders[result.bidder] = line;
  }
  return {
    auctionId: ctx.auctionId,
    day: utcDay(ctx.startedAt),
    site: ctx.site?.id ?? ctx.request.site?.id ?? null,
    origin: ctx.origin,
    durationMs: Math.round(durationMs * 100) / 100,
    bidders,
  };
}

const DAY_MS = 86_400_000;
/** The UTC day last formatted, and where it starts (ms): a day's auctions reuse its text. */
let lastDay = { startsAt: Number.NaN, text: '' };

/** `YYYY-MM-DD` (UTC) of the time `ms`. */
export function utcDay(ms: number): string {
  if (!(ms >= lastDay.startsAt && ms < lastDay.startsAt + DAY_MS)) {
    const startsAt = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
    lastDay = { startsAt, text: new Date(startsAt).toISOString().slice(0, 10) };
  }
  return lastDay.text;
}

/** Writes the auction log line through pino (`msg: "auction"`). */
export function writeAuctionLog(log: Logger, record: AuctionLogRecord): void {
  log.info(record, 'auction');
}
