import { injectable } from 'tsyringe';
import {
  type AuctionContext, type AuctionInput, type ConfigKeys, type Plugin, priceAuction, update, z,
} from '../../core/index.js';

/** `first-price` auction: bids at or above the floor, highest first, ties to the earlier answer; the winner pays its own bid. */
@injectable()
export class FirstPriceAuction implements Plugin {
  /** It takes no options. */
  static readonly configKeys: ConfigKeys = { options: z.object({}) };

  auction(ctx: AuctionContext, input: AuctionInput) {
    return update(priceAuction(input.candidates, ctx.floors, (winner) => winner));
  }
}
