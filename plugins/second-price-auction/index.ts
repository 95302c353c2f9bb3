import { inject, injectable } from 'tsyringe';
import {
  type AuctionContext, type AuctionInput, type ConfigKeys, decimalToMicros, type Micros, type Plugin,
  type PluginScope, priceAuction, RtbStartupError, Tokens, update, z,
} from '../../core/index.js';

/**
 * `second-price` auction (R5): bids at or above the floor, highest first, ties to the earlier answer; the
 * winner pays `min(own bid, max(floor, second price + step))`, so a lone bidder pays the floor.
 */
@injectable()
export class SecondPriceAuction implements Plugin {
  /** `step`: the increment over the second price, as a decimal CPM (default: `auction.step`). */
  static readonly configKeys: ConfigKeys = { options: z.object({ step: z.number().optional() }) };

  private readonly stepMicros: Micros;

  constructor(@inject(Tokens.PluginScope) scope: PluginScope) {
    const step = decimalToMicros(scope.options.step ?? scope.config.auction.step, 'up');
    // A mistyped step must stop start-up, not silently make every winner pay the bare second price.
    if (step === null) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', [`${scope.optionsAt}.step: must be a non-negative decimal CPM amount (e.g. 0.01)`]);
    this.stepMicros = step;
  }

  auction(ctx: AuctionContext, input: AuctionInput) {
    const step = this.stepMicros;
    return update(priceAuction(input.candidates, ctx.floors, (_, runnerUp, floor) =>
      runnerUp === undefined ? floor : Math.max(floor, runnerUp + step)));
  }
}
