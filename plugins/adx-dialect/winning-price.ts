import { inject, injectable } from 'tsyringe';
import {
  type ConfigKeys, type Markup, noop, type Plugin, type PluginScope, type RewriteContext, Tokens, update, z, withFields,
} from '../../core/index.js';
import { expandWinningPriceMacros, parsePriceKeys, type AdxPriceKeys } from './crypto.js';
import { ADX_BIDDER_KEYS } from './settings.js';

/** The name `adx-winning-price` is registered under (plugins/builtin.ts). */
export const ADX_WINNING_PRICE_PLUGIN = 'adx-winning-price';

/** The dialect name whose bidders get encrypted prices. */
const ADX_DIALECT = 'adx';

/**
 * `adx-winning-price` (`admRewrite`): in the winning markup of an `adx` bidder, replaces `%%WINNING_PRICE%%`
 * and `%%WINNING_PRICE_ESC%%` with Google's encrypted clearing price (CPI micros), using the bidder's
 * `priceEncryption` keys. Other bidders' markup is left alone. Keys are checked at start-up; an `adx`
 * bidder without keys is logged then, and its macros stay as written.
 */
@injectable()
export class AdxWinningPrice implements Plugin {
  /** No options; it reads the `priceEncryption` keys of the `adx` bidders. */
  static readonly configKeys: ConfigKeys = { options: z.object({}), bidder: { priceEncryption: ADX_BIDDER_KEYS.bidder.priceEncryption } };

  private readonly keys = new Map<string, AdxPriceKeys>();

  constructor(@inject(Tokens.PluginScope) scope: PluginScope) {
    for (const [name, bidder] of Object.entries(scope.config.bidders)) {
      if (bidder.dialect !== ADX_DIALECT || !bidder.enabled) continue;
      if (bidder.priceEncryption === undefined) {
        scope.log.warn({ bidder: name }, 'adx bidder has no priceEncryption keys: %%WINNING_PRICE%% in its markup is left as written');
        continue;
      }
      this.keys.set(name, parsePriceKeys(name, bidder.priceEncryption));
    }
  }

  /** Substitutes the encrypted clearing price into an `adx` winner's markup. */
  admRewrite(ctx: RewriteContext, markup: Markup) {
    const keys = this.keys.get(ctx.bidder.name);
    if (!keys || !markup.adm.includes('%%WINNING_PRICE')) return noop();
    return update(withFields(markup, { adm: expandWinningPriceMacros(markup.adm, ctx.award.clearingMicros, keys) }));
  }
}
