import { inject, injectable } from 'tsyringe';
import { type BidderScope, OpenRtbJsonDialect, type Pricing, Tokens } from '../../core/index.js';

/**
 * `openrtb` dialect: OpenRTB 2.5/2.6 JSON over HTTP POST (§2.1–2.5), exactly the core's {@link OpenRtbJsonDialect}.
 * Sends `x-openrtb-version` per bidder (2.6-only fields moved or dropped for 2.5), always accepts gzip answers,
 * and gzips the request only for bidders that agreed (`gzip: true`). Reads 200 as bids, 204 or an `nbr`/empty
 * answer as no-bid, 400 as our own malformed request, anything else as an error.
 */
@injectable()
export class OpenRtbDialect extends OpenRtbJsonDialect {
  constructor(@inject(Tokens.BidderScope) scope: BidderScope, @inject(Tokens.Pricing) pricing: Pricing) {
    super(scope, pricing);
  }
}
