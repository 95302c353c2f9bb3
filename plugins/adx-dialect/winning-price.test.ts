import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../core/index.js';
import { type MockBidder, startMockBidder, startTestExchange, type TestExchange } from '../../core/testing/index.js';
import { auctionLines, postAuction } from '../../test/helpers.js';
import { readVector } from '../../test/vectors.js';
import { decryptWinningPrice, parsePriceKeys } from './index.js';

const vectors = JSON.parse(readVector('adx-crypto/vectors.json'));
const priceEncryption = {
  encryptionKey: vectors.google_doc_price_examples.encryption_key_websafe_b64,
  integrityKey: vectors.google_doc_price_examples.integrity_key_websafe_b64,
};
const keys = parsePriceKeys('x', priceEncryption);

const MARKUP = '<div>ad<img src="https://dsp.example/imp?p=%%WINNING_PRICE%%&e=%%WINNING_PRICE_ESC%%"></div>';
const TOKEN = /p=([A-Za-z0-9_-]+)&e=([A-Za-z0-9_-]+)"/;

let running: { exchange: TestExchange; mocks: MockBidder[] } | undefined;
afterEach(async () => {
  await running?.exchange.stop();
  await Promise.all(running?.mocks.map((mock) => mock.close()) ?? []);
  running = undefined;
});

async function start(adxPrice: number, openrtbPrice: number, plugins: string[] = ['adx-winning-price']) {
  const adx = await startMockBidder({ dialect: 'adx', price: adxPrice, markup: MARKUP });
  const other = await startMockBidder({ price: openrtbPrice, markup: MARKUP });
  const exchange = await startTestExchange({
    auction: { step: 0.01 },
    plugins,
    bidders: {
      adx: { endpoint: `${adx.url}/adx`, dialect: 'adx', priceEncryption },
      other: { endpoint: `${other.url}/bid`, dialect: 'openrtb' },
    },
  }, builtinRegistry());
  running = { exchange, mocks: [adx, other] };
  return exchange;
}

const request = { id: 'wp-1', imp: [{ id: '1', banner: { w: 300, h: 250 }, bidfloor: 0.5 }] };

describe('adx-winning-price (admRewrite)', () => {
  it('an adx winner\'s %%WINNING_PRICE%% and %%WINNING_PRICE_ESC%% carry its encrypted clearing price in CPI micros', async () => {
    const exchange = await start(2_000_000, 1.5);
    const answer = await postAuction(exchange, request);
    const [bid] = answer.json().seatbid[0].bid;
    expect(answer.json().seatbid[0].seat).toBe('adx');
    expect(auctionLines(exchange).at(-1)!.bidders.adx).toMatchObject({ status: 'win', paidMicros: 1_510_000 });
    const [, price, escaped] = TOKEN.exec(bid.adm)!;
    expect(bid.adm).not.toContain('%%');
    expect(escaped).toBe(price);
    expect(decryptWinningPrice(price, keys)).toMatchObject({ ok: true, cpiMicros: 1_510n });
  });

  it('leaves another dialect\'s markup alone', async () => {
    const exchange = await start(1_000_000, 2);
    const [bid] = (await postAuction(exchange, request)).json().seatbid[0].bid;
    expect(bid.adm.startsWith(MARKUP)).toBe(true);
  });

  it('without the plugin listed, the macro stays as written (and start-up says so)', async () => {
    const exchange = await start(2_000_000, 1.5, []);
    const [bid] = (await postAuction(exchange, request)).json().seatbid[0].bid;
    expect(bid.adm.startsWith(MARKUP)).toBe(true);
    expect(exchange.logs.lines.some((line) => String(line.msg).includes('"adx-winning-price" is not listed'))).toBe(true);
  });

  it('an adx bidder without keys is named at start-up; bad keys stop it', async () => {
    const ok = await startTestExchange({ plugins: ['adx-winning-price'], bidders: { bare: { endpoint: 'http://127.0.0.1:9/adx', dialect: 'adx' } } }, builtinRegistry());
    expect(ok.logs.lines.filter((line) => line.bidder === 'bare' && String(line.msg).startsWith('adx bidder has no priceEncryption keys'))).toHaveLength(1);
    await ok.stop();
    await expect(startTestExchange({
      plugins: ['adx-winning-price'],
      bidders: { bad: { endpoint: 'http://127.0.0.1:9/adx', dialect: 'adx', priceEncryption: { encryptionKey: 'x', integrityKey: 'y' } } },
    }, builtinRegistry())).rejects.toThrow(/bidders\.bad\.priceEncryption\.encryptionKey/);
  });
});
