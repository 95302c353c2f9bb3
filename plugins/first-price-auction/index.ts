import { injectable } from 'tsyringe';
import type { AuctionContext } from '../../core/auction/context.js';
import { priceAuction } from '../../core/auction/ranking.js';
import { update } from '../../core/hooks/results.js';
import type { AuctionInput } from '../../core/hooks/stages.js';
import type { Plugin } from '../../core/plugin/contract.js';

/** `first-price` auction: bids at or above the floor, highest first, ties to the earlier answer; the winner pays its own bid. */
@injectable()
export class FirstPriceAuction implements Plugin {
  auction(ctx: AuctionContext, input: AuctionInput) {
    return update(priceAuction(input.candidates, ctx.floors, (winner) => winner));
  }
}
