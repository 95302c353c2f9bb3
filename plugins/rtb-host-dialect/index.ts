import { gzipSync } from 'node:zlib';
import { inject, injectable } from 'tsyringe';
import {
  type Bid, type BidderAnswer, type BidderScope, type BidRequest, type ConfigKeys, type DecodedAnswer,
  type DecodedBid, type Dialect, downgradeTo25, floorToMicros, hasMarkup, LossReason, type OutboundCall, type Pricing,
  readJsonAnswer, RtbStartupError, Tokens, withFields, z,
} from '../../core/index.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The RTB host's answer (R7, R8): `bidset[].bid[]` with integer chip prices and JavaScript `adm`. */
export interface RtbHostAnswer {
  id?: string;
  bidset?: Array<{ bid?: RtbHostBid[]; [field: string]: unknown }>;
  /** What a chip is worth for every bid of the answer (0 default, 1, 2). */
  units?: number;
  nbr?: number;
  [field: string]: unknown;
}

/** One bid of an RTB-host answer. */
export interface RtbHostBid {
  /** Integer chips. */
  price?: unknown;
  /** JavaScript that the tag runs as is. */
  adm?: unknown;
  /** What a chip is worth for this bid; overrides the answer's `units`. */
  units?: number;
  impid?: string;
  id?: string;
  [field: string]: unknown;
}

/**
 * `rtb-host` dialect (R2, R7, R8): the RTB host's JSON protocol to its DSPs. The request is the canonical
 * OpenRTB request as JSON (2.5 form when `openrtbVersion: '2.5'`) POSTed to the DSP's agreed URL, with every
 * `imp.bidfloor` written in the DSP's integer chips (rounded up) and a top-level `units` naming the chip unit.
 * The answer is `{ "bidset": [ { "bid": [ { "price": <integer chips>, "adm": "<JavaScript>" } ] } ], "units": 0 }`
 * (`units` may also be set per bid); the winner's `adm` is the tag answer as is (`admFormat: 'javascript'`).
 * Prices are read by the bidder's pricing, which must be chip-based: `chips`, its default.
 */
@injectable()
export class RtbHostDialect implements Dialect {
  /** A bidder of this dialect prices in chips unless its config says otherwise (which is then refused). */
  static readonly defaultPricing = 'chips';
  /** It sends the bidder's `units` in every request (the `chips` pricing checks the value). */
  static readonly configKeys: ConfigKeys = { bidder: { units: z.unknown() } };

  private readonly headers: Record<string, string>;
  private readonly units: unknown;

  constructor(
    @inject(Tokens.BidderScope) private readonly scope: BidderScope,
    @inject(Tokens.Pricing) private readonly pricing: Pricing,
  ) {
    if (scope.config.pricing === 'decimal-cpm') {
      throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', [
        `bidders.${scope.name}.pricing: the rtb-host dialect prices in integer chips; leave pricing out or set it to 'chips' (and units: 0, 1 or 2)`,
      ]);
    }
    this.units = scope.config.units ?? 0;
    this.headers = {
      'content-type': 'application/json',
      ...(scope.config.gzip ? { 'accept-encoding': 'gzip', 'content-encoding': 'gzip' } : {}),
    };
  }

  /** The canonical request as JSON, floors in chips (rounded up so a bid at the sent floor clears the real one). */
  encode(request: BidRequest): OutboundCall {
    const base = this.scope.config.openrtbVersion === '2.5' ? downgradeTo25(request) : request;
    // withFields rather than spreads followed by fields: this runs once per request, those are slow on Node 20.
    const body = JSON.stringify(withFields(base as Record<string, unknown>, {
      units: this.units,
      imp: base.imp.map((imp) => {
        const floor = floorToMicros(imp.bidfloor);
        if (floor <= 0) return imp;
        return withFields(imp, { bidfloor: Number(this.pricing.fromMicros(floor, 'up')), bidfloorcur: this.scope.exchange.currency });
      }),
    }));
    return { headers: this.headers, body: this.scope.config.gzip ? gzipSync(body) : body };
  }

  /** Reads 200 `bidset` answers into bids; 204, an empty body or an empty `bidset` is a no-bid; 400 is our fault. */
  decode(answer: BidderAnswer, request: BidRequest): DecodedAnswer {
    const reading = readJsonAnswer(answer);
    if (!reading.ok) return reading.decoded;
    const response = reading.body as RtbHostAnswer;
    if (response.bidset === undefined || (Array.isArray(response.bidset) && response.bidset.length === 0)) {
      return { kind: 'nobid', reason: response.nbr === undefined ? 'no bidset' : `nbr ${response.nbr}` };
    }
    if (!Array.isArray(response.bidset)) return { kind: 'error', reason: 'bidset is not an array' };
    if (response.id !== undefined && response.id !== request.id) return { kind: 'error', reason: `answer id "${String(response.id)}" is not the request's` };
    const bids: DecodedBid[] = [];
    response.bidset.forEach((set, i) => {
      if (!isObject(set) || !Array.isArray(set.bid)) return;
      set.bid.forEach((bid, j) => {
        if (isObject(bid)) bids.push(this.decodeBid(bid as RtbHostBid, request, response.units, `${i}-${j}`));
      });
    });
    return bids.length ? { kind: 'bids', bids } : { kind: 'nobid', reason: 'no bid in bidset' };
  }

  /** One bid: its chips into micros (bid `units`, else the answer's, else the config's), its JavaScript markup. */
  private decodeBid(wire: RtbHostBid, request: BidRequest, answerUnits: unknown, position: string): DecodedBid {
    const impid = typeof wire.impid === 'string' ? wire.impid : request.imp.length === 1 ? request.imp[0].id : undefined;
    // withFields and literals rather than spreads followed by fields: this runs for every bid.
    const bid = withFields(wire as Record<string, unknown>, { id: typeof wire.id === 'string' ? wire.id : position, impid: impid ?? '', price: wire.price }) as Bid;
    const currency = this.scope.exchange.currency;
    const decoded = (priceMicros: number | null, invalid?: DecodedBid['invalid']): DecodedBid =>
      invalid === undefined ? { bid, currency, admFormat: 'javascript', priceMicros } : { bid, currency, admFormat: 'javascript', priceMicros, invalid };
    const units = wire.units ?? answerUnits;
    const price = this.pricing.toMicros(wire.price, units === undefined ? undefined : { units });
    if (!price.ok) return decoded(null, { code: price.code, reason: price.reason });
    if (impid === undefined) return decoded(price.micros, { code: LossReason.invalidBidResponse, reason: 'impid required: the request has several imps' });
    if (!hasMarkup(wire.adm)) {
      return decoded(price.micros, { code: LossReason.missingMarkup, reason: 'no adm: the tag answer is the bid\'s JavaScript' });
    }
    return decoded(price.micros);
  }
}
