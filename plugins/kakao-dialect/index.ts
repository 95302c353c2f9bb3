import { inject, injectable } from 'tsyringe';
import {
  type BidderAnswer, type BidderScope, type BidderStageContext, type BidRequest, type DecodedAnswer, type DecodedBid,
  hasMarkup, LossReason, OpenRtbJsonDialect, type OutboundCall, type Pricing, Tokens, withFields,
} from '../../core/index.js';

/** The Kakao RTB protocol version this dialect speaks (`x-kakaortb-version`, K2). */
export const KAKAO_RTB_VERSION = '1.0.0';

/**
 * `kakao` dialect (K1–K7): OpenRTB JSON (the core's {@link OpenRtbJsonDialect}, as `openrtb`) as Kakao's SSP speaks it to partner DSPs. Every request
 * carries `x-openrtb-version` (the bidder's 2.5 or 2.6), `x-kakaortb-version: 1.0.0` and
 * `Content-Type: application/json`; `Accept-Encoding: gzip` and a gzipped body with `Content-Encoding: gzip`
 * only when the bidder agreed to gzip (`gzip: true`). Answers: 200 with bids, 204 or an `nbr`-only body is a
 * no-bid, 400 is logged as our own malformed request. Only ad-served-in-the-bid is allowed: a bid without
 * `adm` is invalid with loss code 7 (K6). An answer declaring another `x-openrtb-version` than the one sent
 * is logged (echo check) and still read.
 */
@injectable()
export class KakaoDialect extends OpenRtbJsonDialect {
  /** The exact request headers of this bidder, computed once. */
  private readonly kakaoHeaders: Record<string, string>;

  constructor(@inject(Tokens.BidderScope) scope: BidderScope, @inject(Tokens.Pricing) pricing: Pricing) {
    super(scope, pricing);
    this.kakaoHeaders = {
      'content-type': 'application/json',
      'x-openrtb-version': scope.config.openrtbVersion,
      'x-kakaortb-version': KAKAO_RTB_VERSION,
      ...(scope.config.gzip ? { 'accept-encoding': 'gzip', 'content-encoding': 'gzip' } : {}),
    };
  }

  /** The `openrtb` body (downgraded for 2.5, gzipped by agreement) with Kakao's headers. */
  override encode(request: BidRequest): OutboundCall {
    return withFields(super.encode(request), { headers: this.kakaoHeaders });
  }

  /** The `openrtb` reading of the answer, after the `x-openrtb-version` echo check. */
  override decode(answer: BidderAnswer, request: BidRequest, ctx?: BidderStageContext): DecodedAnswer {
    const echoed = answer.headers['x-openrtb-version'];
    const sent = this.scope.config.openrtbVersion;
    if (echoed !== undefined && String(echoed).trim() !== sent) {
      (ctx?.auction.log ?? this.scope.log).warn(
        { auctionId: ctx?.auction.auctionId, bidder: this.scope.name, sent, answered: String(echoed) },
        'bidder answered with a different x-openrtb-version',
      );
    }
    return super.decode(answer, request);
  }

  /** Ad served in the bid only (K6): a bid without markup is invalid with loss code 7. */
  protected override decodeBid(bid: DecodedBid['bid'], request: BidRequest, seat: string | undefined, currency: string): DecodedBid {
    const decoded = super.decodeBid(bid, request, seat, currency);
    if (decoded.invalid || hasMarkup(bid.adm)) return decoded;
    return withFields(decoded, { invalid: { code: LossReason.missingMarkup, reason: 'no adm: Kakao supports ad served in the bid only' } });
  }
}
