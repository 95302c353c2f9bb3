import { DecimalCpmPricing, PluginRegistry } from '../core/index.js';
import { AdmBanner } from './adm-banner/index.js';
import { AdmNative } from './adm-native/index.js';
import { AdmVast } from './adm-vast/index.js';
import { AdxDialect, AdxWinningPrice } from './adx-dialect/index.js';
import { ChipsPricing } from './chips-pricing/index.js';
import { CoreBidValidation } from './core-bid-validation/index.js';
import { FirstPriceAuction } from './first-price-auction/index.js';
import { KakaoDialect } from './kakao-dialect/index.js';
import { NoticesPlugin } from './notices/index.js';
import { OpenRtbDialect } from './openrtb-dialect/index.js';
import { RtbHostDialect } from './rtb-host-dialect/index.js';
import { SecondPriceAuction } from './second-price-auction/index.js';
import { UserSync } from './user-sync/index.js';

/**
 * The composition root's list of built-in plugins, dialects and pricing units, by the names config uses, and the
 * plugins an exchange runs by default (unless its config lists them itself or turns them off): bid validation
 * first; after the config's plugins, the markup rewriters (HTML/JavaScript, VAST, Native: each leaves other
 * formats alone), the plugin of `auction.type`, and `notices` unless `notices.enabled` is false.
 * The CLI starts from this registry; embedders may `clone()` it and add their own.
 */
export function builtinRegistry(): PluginRegistry {
  return new PluginRegistry()
    .plugin('core-bid-validation', CoreBidValidation)
    .plugin('adm-banner', AdmBanner)
    .plugin('adm-vast', AdmVast)
    .plugin('adm-native', AdmNative)
    .plugin('second-price', SecondPriceAuction)
    .plugin('first-price', FirstPriceAuction)
    .plugin('user-sync', UserSync)
    .plugin('notices', NoticesPlugin)
    .plugin('adx-winning-price', AdxWinningPrice)
    .dialect('openrtb', OpenRtbDialect)
    .dialect('kakao', KakaoDialect)
    .dialect('rtb-host', RtbHostDialect)
    .dialect('adx', AdxDialect)
    .pricingUnits('decimal-cpm', DecimalCpmPricing)
    .pricingUnits('chips', ChipsPricing)
    .runByDefault('core-bid-validation', 'first')
    .runByDefault('adm-banner', 'last')
    .runByDefault('adm-vast', 'last')
    .runByDefault('adm-native', 'last')
    .runByDefault('second-price', 'last', { when: (config) => config.auction.type === 'second-price', at: 'auction.type' })
    .runByDefault('first-price', 'last', { when: (config) => config.auction.type === 'first-price', at: 'auction.type' })
    .runByDefault('notices', 'last', { when: (config) => (config.notices as { enabled?: unknown } | undefined)?.enabled !== false, at: 'notices (default)' });
}
