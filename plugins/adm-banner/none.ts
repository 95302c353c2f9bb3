import type { ClickInput, ClickOutcome, ClickStrategy } from './strategy.js';

/**
 * `none`: the markup's clicks are left as the bidder wrote them. This is the strategy for MRAID in-app markup
 * (T6.3): the app's SDK intercepts `mraid.open()` and reports the click itself, so the server rewrites nothing.
 * It also ends every fallback chain, so a banner whose strategies all failed is still delivered.
 */
export const noClickStrategy: ClickStrategy = {
  name: 'none',
  apply(input: ClickInput): ClickOutcome {
    return { applied: true, adm: input.adm, detail: 'clicks left to the markup (or the MRAID SDK)' };
  },
};
