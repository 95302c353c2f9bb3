import { gzipSync } from 'node:zlib';
import type { AdmFormat, DecodedBid } from '../auction/bids.js';
import type { BidderAnswer, BidderScope, DecodedAnswer, Dialect, OutboundCall } from '../plugin/dialect.js';
import { readJsonAnswer } from '../plugin/json-answer.js';
import type { Pricing } from '../pricing.js';
import { downgradeTo25 } from './downgrade.js';
import { LossReason } from './loss-reasons.js';
import { markupTypeOf } from './media.js';
import { requestJson } from './serialize.js';
import { MarkupType, type BidRequest, type BidResponse } from './types.js';

const FORMAT_BY_MTYPE: Record<number, AdmFormat> = {
  [MarkupType.banner]: 'html',
  [MarkupType.video]: 'vast',
  [MarkupType.audio]: 'vast',
  [MarkupType.native]: 'native',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The base of every OpenRTB JSON dialect (the built-in `openrtb` and `kakao`; a partner's own): OpenRTB 2.5/2.6
 * JSON over HTTP POST (§2.1–2.5). Sends `x-openrtb-version` per bidder (2.6-only fields moved or dropped for
 * 2.5), always accepts gzip answers, and gzips the request only for bidders that agreed (`gzip: true`). Reads
 * 200 as bids, 204 or an `nbr`/empty answer as no-bid, 400 as our own malformed request, anything else as an
 * error ({@link readJsonAnswer}). A subclass overrides what its partner does differently (`encode` for headers,
 * `decodeBid` for a rule on each bid) and declares its constructor's injection (`@inject(Tokens.BidderScope)`,
 * `@inject(Tokens.Pricing)`, or {@link injectTokens}).
 */
export class OpenRtbJsonDialect implements Dialect {
  /** Headers sent with every request to this bidder, computed once. */
  protected readonly headers: Record<string, string>;

  constructor(
    protected readonly scope: BidderScope,
    protected readonly pricing: Pricing,
  ) {
    this.headers = {
      'content-type': 'application/json',
      'x-openrtb-version': scope.config.openrtbVersion,
      'accept-encoding': 'gzip',
      ...(scope.config.gzip ? { 'content-encoding': 'gzip' } : {}),
    };
  }

  encode(request: BidRequest): OutboundCall {
    const body = this.scope.config.openrtbVersion === '2.5' ? JSON.stringify(downgradeTo25(request)) : requestJson(request);
    return { headers: this.headers, body: this.scope.config.gzip ? gzipSync(body) : body };
  }

  decode(answer: BidderAnswer, request: BidRequest): DecodedAnswer {
    const reading = readJsonAnswer(answer);
    return reading.ok ? this.decodeResponse(reading.body as BidResponse, request) : reading.decoded;
  }

  /** Reads a parsed BidResponse into canonical bids. */
  protected decodeResponse(response: BidResponse, request: BidRequest): DecodedAnswer {
    if (response.seatbid === undefined || (Array.isArray(response.seatbid) && response.seatbid.length === 0)) {
      return { kind: 'nobid', reason: response.nbr === undefined ? 'no seatbid' : `nbr ${response.nbr}` };
    }
    if (!Array.isArray(response.seatbid)) return { kind: 'error', reason: 'seatbid is not an array' };
    if (response.id !== undefined && response.id !== request.id) return { kind: 'error', reason: `answer id "${String(response.id)}" is not the request's` };
    const currency = typeof response.cur === 'string' ? response.cur : 'USD';
    const bids: DecodedBid[] = [];
    for (const seatbid of response.seatbid) {
      if (!isObject(seatbid) || !Array.isArray(seatbid.bid)) continue;
      for (const bid of seatbid.bid) {
        if (!isObject(bid)) continue;
        bids.push(this.decodeBid(bid as DecodedBid['bid'], request, typeof seatbid.seat === 'string' ? seatbid.seat : undefined, currency));
      }
    }
    return bids.length ? { kind: 'bids', bids } : { kind: 'nobid', reason: 'no bid in seatbid' };
  }

  /** Reads one bid: its price into micros through the bidder's pricing, its markup format from `mtype`. */
  protected decodeBid(wireBid: DecodedBid['bid'], request: BidRequest, seat: string | undefined, currency: string): DecodedBid {
    const price = this.pricing.toMicros(wireBid.price);
    const format = FORMAT_BY_MTYPE[markupTypeOf(request, wireBid.impid, wireBid.mtype) ?? MarkupType.banner] ?? 'html';
    // Some bidders send a native `adm` as a JSON object rather than JSON text (google/openrtb accepts both):
    // it becomes the same JSON as text, so the rest of the exchange (and the caller) sees one form.
    const bid = format === 'native' && isObject(wireBid.adm) ? { ...wireBid, adm: JSON.stringify(wireBid.adm) } : wireBid;
    if (!price.ok) return { bid, seat, currency, priceMicros: null, admFormat: format, invalid: { code: price.code, reason: price.reason } };
    if (typeof bid.impid !== 'string') return { bid, seat, currency, priceMicros: price.micros, admFormat: format, invalid: { code: LossReason.invalidBidResponse, reason: 'impid missing' } };
    return { bid, seat, currency, priceMicros: price.micros, admFormat: format };
  }
}
