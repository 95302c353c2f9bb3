import { builtinRegistry, LossReason, type Plugin } from 'rtb-exchange';
import { bidderContextFor, bidderFor, hookCallFor, pluginFor, startMockBidder, startTestExchange, validBid } from 'rtb-exchange/testing';
import { describe, expect, it } from 'vitest';
import { flatbidAnswer } from './flatbid-answer.js';
import { FlatBidDialect } from './flatbid-dialect.js';
import { MinCpm } from './min-cpm.js';

const registry = builtinRegistry().dialect('flatbid', FlatBidDialect).plugin('min-cpm', MinCpm);
const withMinCpm = (minCpm: unknown) => ({ plugins: [{ name: 'min-cpm', options: { minCpm } }] });

describe('the min-cpm plugin, called directly', () => {
  const plugin: Plugin = pluginFor(registry, 'min-cpm', withMinCpm(1));
  const { view } = bidderFor(registry, 'dsp', { bidders: { dsp: { endpoint: 'http://127.0.0.1:9/bid' } } });

  it('rejects a bid under its minimum with loss reason 100, and lets one at the minimum through', () => {
    expect(plugin.bidValidate?.(bidderContextFor(view), validBid('dsp', 999_999, 0), hookCallFor())).toMatchObject({ action: 'reject', code: LossReason.belowFloor });
    expect(plugin.bidValidate?.(bidderContextFor(view), validBid('dsp', 1_000_000, 0), hookCallFor())).toEqual({ action: 'noop' });
  });

  it('refuses options it cannot read, naming the key', () => {
    expect(() => pluginFor(registry, 'min-cpm', withMinCpm('one'))).toThrow(/plugins\.min-cpm\.minCpm/);
  });
});

describe('the min-cpm plugin and the flatbid dialect in a running exchange', () => {
  it('a flatbid ad over the minimum wins; under it, the auction has no fill', async () => {
    const bidder = await startMockBidder({ respond: flatbidAnswer(1.5) });
    const exchange = await startTestExchange({ bidders: { flat: { endpoint: `${bidder.url}/bid`, dialect: 'flatbid' } }, ...withMinCpm(1) }, registry);
    try {
      const auction = { id: 'r1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] };
      const post = () => fetch(`${exchange.url}/openrtb2/auction`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(auction) });
      const won = await post();
      expect(won.status).toBe(200);
      const body = (await won.json()) as { seatbid: Array<{ bid: Array<{ adm: string; price: number }> }> };
      expect(body.seatbid[0]?.bid[0]?.adm).toContain('flatbid ad on 1');
      bidder.set({ respond: flatbidAnswer(0.8) });
      const unfilled = await post();
      expect([unfilled.status, ((await unfilled.json()) as { seatbid: unknown[] }).seatbid]).toEqual([200, []]);
      expect(exchange.logs.lines.some((line) => JSON.stringify(line).includes('under min-cpm'))).toBe(true);
    } finally {
      await exchange.stop();
      await bidder.close();
    }
  });
});
