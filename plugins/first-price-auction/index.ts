import { injectable } from 'tsyringe';
import { type AuctionContext, type AuctionInput, type Plugin, priceAuction, update } from '../../core/index.js';

/** `first-price` auction: bids at or above the floor, highest first, ties to the earlier answer; the winner pays its own bid. */
@injectable()
export class FirstPriceAuction implements Plugin {
  auction(ctx: AuctionContext, input: AuctionInput) {
    return update(priceAuction(input.candidates, ctx.floors, (winner) => winner));
  }
}
