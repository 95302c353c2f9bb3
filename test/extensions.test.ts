import pino from 'pino';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config/load.js';
import { resolveExchange } from '../core/exchange-plan.js';
import { DecimalCpmPricing } from '../core/pricing.js';
import { OpenRtbDialect } from '../plugins/openrtb-dialect/index.js';
import { builtinRegistry } from '../plugins/builtin.js';

const silent = pino({ level: 'silent' });

describe('config extensions (classes a config brings beside the built-ins)', () => {
  it('a dialect and a pricing unit are selected per bidder by their extension names; the base registry is left as it was', async () => {
    const base = builtinRegistry();
    const config = parseConfig({
      bidders: { x: { endpoint: 'http://127.0.0.1:9/bid', dialect: 'partner-json', pricing: 'partner-cpm' } },
      extensions: { dialects: { 'partner-json': OpenRtbDialect }, pricing: { 'partner-cpm': DecimalCpmPricing } },
    });
    const dispatcher = new Agent();
    const { plan } = resolveExchange(config, base, silent, dispatcher);
    await dispatcher.close();
    expect(plan.bidders).toMatchObject([{ name: 'x', dialect: 'partner-json', pricing: 'partner-cpm' }]);
    expect([base.dialects.has('partner-json'), base.pricing.has('partner-cpm')]).toEqual([false, false]);
  });

  it('each name already registered is a problem of its own key, and a value that is not a class is refused by the schema', () => {
    const config = parseConfig({ extensions: { dialects: { openrtb: OpenRtbDialect }, pricing: { chips: DecimalCpmPricing } } });
    expect(() => resolveExchange(config, builtinRegistry(), silent)).toThrow(expect.objectContaining({
      code: 'RTB_ERR_CONFIG_INVALID',
      problems: [
        'extensions.dialects.openrtb: the name is registered already (a built-in, or added in code); choose another',
        'extensions.pricing.chips: the name is registered already (a built-in, or added in code); choose another',
      ],
    }));
    expect(() => parseConfig({ extensions: { plugins: { marker: { admRewrite: () => undefined } } } })).toThrow(expect.objectContaining({
      code: 'RTB_ERR_CONFIG_INVALID',
      problems: ['extensions.plugins.marker: must be a class'],
    }));
  });
});
