import { DecimalCpmPricing } from '../core/pricing.js';
import { PluginRegistry } from '../core/plugin/registry.js';
import { CoreBidValidation } from './core-bid-validation/index.js';
import { FirstPriceAuction } from './first-price-auction/index.js';
import { OpenRtbDialect } from './openrtb-dialect/index.js';
import { SecondPriceAuction } from './second-price-auction/index.js';

/**
 * The composition root's list of built-in plugins, dialects and pricing units, by the names config uses.
 * The CLI starts from this registry; embedders may `clone()` it and add their own.
 */
export function builtinRegistry(): PluginRegistry {
  return new PluginRegistry()
    .plugin('core-bid-validation', CoreBidValidation)
    .plugin('second-price', SecondPriceAuction)
    .plugin('first-price', FirstPriceAuction)
    .dialect('openrtb', OpenRtbDialect)
    .pricingUnits('decimal-cpm', DecimalCpmPricing);
}
