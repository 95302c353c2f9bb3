import {
  injectTokens, readJsonAnswer, Tokens,
  type BidderAnswer, type BidderScope, type BidRequest, type DecodedAnswer, type DecodedBid, type Dialect, type OutboundCall, type Pricing,
} from 'rtb-exchange';

/** One ad in a `flatbid` answer. */
interface FlatAd {
  readonly id?: unknown;
  readonly slot?: unknown;
  readonly cpm?: unknown;
  readonly html?: unknown;
}

/**
 * `flatbid`: a partner's own JSON. Request `{ auction, slots: [{ slot, w, h, floorCpm }] }`; answer
 * `{ ads: [{ id, slot, cpm, html }] }` (204: no bid). Prices go through the bidder's pricing units.
 */
export class FlatBidDialect implements Dialect {
  constructor(private readonly scope: BidderScope, private readonly pricing: Pricing) {}

  encode(request: BidRequest): OutboundCall {
    const slots = request.imp.map((imp) => ({ slot: imp.id, w: imp.banner?.w ?? 0, h: imp.banner?.h ?? 0, floorCpm: imp.bidfloor ?? 0 }));
    return { headers: { 'content-type': 'application/json', 'x-flatbid-seat': this.scope.name }, body: JSON.stringify({ auction: request.id, slots }) };
  }

  decode(answer: BidderAnswer): DecodedAnswer {
    const reading = readJsonAnswer(answer);
    if (!reading.ok) return reading.decoded;
    const ads = reading.body.ads;
    if (!Array.isArray(ads) || ads.length === 0) return { kind: 'nobid', reason: 'no ads' };
    return { kind: 'bids', bids: (ads as FlatAd[]).map((ad) => this.decodeAd(ad)) };
  }

  private decodeAd(ad: FlatAd): DecodedBid {
    const bid = { id: String(ad.id ?? ''), impid: String(ad.slot ?? ''), price: Number(ad.cpm), adm: typeof ad.html === 'string' ? ad.html : '', mtype: 1 };
    const price = this.pricing.toMicros(ad.cpm);
    if (!price.ok) return { bid, currency: 'USD', priceMicros: null, admFormat: 'html', invalid: { code: price.code, reason: price.reason } };
    return { bid, currency: 'USD', priceMicros: price.micros, admFormat: 'html' };
  }
}
// No decorators: the constructor's parameters are declared here, in order.
injectTokens(FlatBidDialect, Tokens.BidderScope, Tokens.Pricing);
