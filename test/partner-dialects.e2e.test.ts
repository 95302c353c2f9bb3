import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import protobuf from 'protobufjs';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootContainer, resolveBidderStrategies } from '../core/plugin/container.js';
import type { Pricing } from '../core/pricing.js';
import { startTestExchange, type TestExchange } from '../core/testing/index.js';
import { startMockBidder, type MockBidder } from '../core/testing/index.js';
import { decryptWinningPrice, parsePriceKeys } from '../plugins/adx-dialect/index.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { auctionLines, http } from './helpers.js';
import { readVector } from './vectors.js';

// A Kakao bidder (decimal CPM, OpenRTB 2.5, gzip), an RTB-host bidder (integer chips) and an AdX bidder
// (protobuf, micros, encrypted winning price) compete in one second-price auction for a tag request.

const vectors = JSON.parse(readVector('adx-crypto/vectors.json'));
const priceEncryption = {
  encryptionKey: vectors.google_doc_price_examples.encryption_key_websafe_b64,
  integrityKey: vectors.google_doc_price_examples.integrity_key_websafe_b64,
};
const sharedProto = protobuf.parse(readVector('google-openrtb-doubleclick-v50/doubleclick-core/src/main/protobuf/doubleclick.proto'), { keepCase: true }).root;
const AdxBidRequest = sharedProto.lookupType('com.google.doubleclick.BidRequest');

const HOST_SCRIPT = "document.write('<a href=\"https://host-dsp.example/c\">rtb-host ad</a>');";
const ADX_MARKUP = '<div>adx ad<img src="https://adx-dsp.example/imp?p=%%WINNING_PRICE%%"></div>';
const KAKAO_MARKUP = '<div>kakao ad</div>';

let exchange: TestExchange;
let mocks: { kakao: MockBidder; host: MockBidder; adx: MockBidder };
let pricing: Record<'kakao' | 'host' | 'adx', Pricing>;
const dispatcher = new Agent();

beforeAll(async () => {
  mocks = {
    kakao: await startMockBidder({ markup: KAKAO_MARKUP, gzip: true }),
    host: await startMockBidder({ dialect: 'rtb-host', markup: HOST_SCRIPT }),
    adx: await startMockBidder({ dialect: 'adx', markup: ADX_MARKUP }),
  };
  exchange = await startTestExchange({
    currency: 'USD',
    auction: { type: 'second-price', step: 0.01 },
    sites: { news: { banner: { w: 300, h: 250 }, floor: 0.1 } },
    plugins: ['adx-winning-price'],
    bidders: {
      kakao: { endpoint: `${mocks.kakao.url}/kakao`, dialect: 'kakao', openrtbVersion: '2.5', gzip: true },
      host: { endpoint: `${mocks.host.url}/dsp`, dialect: 'rtb-host', pricing: 'chips', units: 0 },
      adx: { endpoint: `${mocks.adx.url}/adx?gid=%%GOOGLE_USER_ID%%`, dialect: 'adx', adx: { adgroups: [1001] }, priceEncryption },
    },
  }, builtinRegistry());
  const root = createRootContainer(exchange.exchange.config, pino({ level: 'silent' }), dispatcher);
  const priced = (name: 'kakao' | 'host' | 'adx') => resolveBidderStrategies(root, builtinRegistry(), name, exchange.exchange.config.bidders[name], exchange.exchange.config).pricing;
  pricing = { kakao: priced('kakao'), host: priced('host'), adx: priced('adx') };
});

afterAll(async () => {
  await exchange?.stop();
  await Promise.all(Object.values(mocks ?? {}).map((mock) => mock.close()));
  await dispatcher.close();
});

async function auction(prices: { kakao: number; host: number; hostUnits?: number; adx: number }, mincpm: string) {
  mocks.kakao.set({ price: prices.kakao });
  mocks.host.set({ price: prices.host, units: prices.hostUnits });
  mocks.adx.set({ price: prices.adx });
  const answer = await http(`${exchange.url}/ad?site=news&mincpm=${mincpm}`, { headers: { 'user-agent': 'Mozilla/5.0 e2e', referer: 'https://news.example/story' } });
  return { answer, line: auctionLines(exchange).at(-1)! };
}

describe('Kakao, RTB-host and AdX bidders in one auction', () => {
  it('the RTB-host bidder wins with 180 chips and pays 1.71 = 171 chips; its JavaScript is the tag answer', async () => {
    const { answer, line } = await auction({ kakao: 1.5, host: 180, adx: 1_700_000 }, '0.105');
    expect(line.bidders).toEqual({
      kakao: { status: 'loss', priceMicros: 1_500_000, paidMicros: null, latencyMs: expect.any(Number) },
      host: { status: 'win', priceMicros: 1_800_000, paidMicros: 1_710_000, latencyMs: expect.any(Number) },
      adx: { status: 'loss', priceMicros: 1_700_000, paidMicros: null, latencyMs: expect.any(Number) },
    });
    expect(pricing.host.fromMicros(line.bidders.host.paidMicros!, 'down')).toBe('171');
    expect(answer.status).toBe(200);
    expect(answer.text.startsWith(HOST_SCRIPT)).toBe(true);

    // The 0.105 floor, as each bidder reads it: decimal CPM, chips rounded up, micros.
    expect(JSON.parse(gunzipSync(mocks.kakao.requests.at(-1)!.wire).toString('utf8')).imp[0].bidfloor).toBe(0.105);
    expect(mocks.host.requests.at(-1)!.json.imp[0].bidfloor).toBe(11);
    const adxRequest = AdxBidRequest.toObject(AdxBidRequest.decode(mocks.adx.requests.at(-1)!.wire), { longs: String });
    expect(adxRequest.adslot[0].matching_ad_data).toEqual([{ adgroup_id: '1001', minimum_cpm_micros: '105000' }]);
  });

  it('the AdX bidder wins with 2500000 micros and pays 2.01; its markup carries 2010 CPI micros, encrypted', async () => {
    const { answer, line } = await auction({ kakao: 1.2, host: 2_000, hostUnits: 2, adx: 2_500_000 }, '0.5');
    expect(line.bidders).toEqual({
      kakao: { status: 'loss', priceMicros: 1_200_000, paidMicros: null, latencyMs: expect.any(Number) },
      host: { status: 'loss', priceMicros: 2_000_000, paidMicros: null, latencyMs: expect.any(Number) },
      adx: { status: 'win', priceMicros: 2_500_000, paidMicros: 2_010_000, latencyMs: expect.any(Number) },
    });
    expect(answer.text).toContain('adx ad');
    expect(answer.text).not.toContain('%%WINNING_PRICE%%');
    const token = /imp\?p=([A-Za-z0-9_-]+)/.exec(answer.text)![1];
    expect(decryptWinningPrice(token, parsePriceKeys('adx', priceEncryption))).toMatchObject({ ok: true, cpiMicros: 2_010n });
  });

  it('the Kakao bidder wins with 3.05 and pays 3 (the AdX bid of 2.99 plus the step)', async () => {
    const { answer, line } = await auction({ kakao: 3.05, host: 250, adx: 2_990_000 }, '0.5');
    expect(line.bidders).toEqual({
      kakao: { status: 'win', priceMicros: 3_050_000, paidMicros: 3_000_000, latencyMs: expect.any(Number) },
      host: { status: 'loss', priceMicros: 2_500_000, paidMicros: null, latencyMs: expect.any(Number) },
      adx: { status: 'loss', priceMicros: 2_990_000, paidMicros: null, latencyMs: expect.any(Number) },
    });
    expect(pricing.kakao.fromMicros(line.bidders.kakao.paidMicros!, 'down')).toBe('3');
    expect(answer.text).toContain('kakao ad');
    expect(mocks.kakao.requests.at(-1)!.headers).toMatchObject({ 'x-openrtb-version': '2.5', 'x-kakaortb-version': '1.0.0', 'content-encoding': 'gzip' });
  });

  it('every declared price reads back in its bidder\'s own units', async () => {
    const { line } = await auction({ kakao: 1.25, host: 133, adx: 1_420_000 }, '0.5');
    expect(pricing.kakao.fromMicros(line.bidders.kakao.priceMicros!, 'down')).toBe('1.25');
    expect(pricing.host.fromMicros(line.bidders.host.priceMicros!, 'down')).toBe('133');
    expect(line.bidders.adx.priceMicros).toBe(1_420_000);
    expect(line.bidders.adx).toMatchObject({ status: 'win', paidMicros: 1_340_000 });
  });
});
