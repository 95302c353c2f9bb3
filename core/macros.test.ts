import { describe, expect, it } from 'vitest';
import type { Award, Loss, ValidBid } from './auction/bids.js';
import { auctionMacroValues, expandMacros, marketBidRatio, mayNameMacros, OPENRTB_MACROS } from './macros.js';
import type { Micros, Rounding } from './money.js';
import { DecimalCpmPricing, type Pricing } from './pricing.js';

const candidate = (priceMicros: Micros, bid: Record<string, unknown> = {}): ValidBid => ({
  bid: { id: 'bid-1', impid: 'imp-1', price: priceMicros / 1e6, adid: 'ad-9', ...bid },
  seat: 'seat-7', priceMicros, currency: 'USD', admFormat: 'html', bidder: 'dsp', arrival: 0,
});
const award = (clearingMicros: Micros, minToWinMicros: Micros, priceMicros: Micros): Award => ({ candidate: candidate(priceMicros), clearingMicros, minToWinMicros });
const loss = (code: number, minToWinMicros: Micros | null): Loss => ({ candidate: candidate(1_000_000), code, minToWinMicros });
const decimal = new DecimalCpmPricing();
/** A bidder pricing in whole hundredths of a CPM (like R8 chips at units 0), showing which way each price rounds. */
const cents: Pricing = {
  toMicros: () => ({ ok: false, code: 3, reason: 'unused' }),
  fromMicros: (micros: Micros, rounding: Rounding) => String(rounding === 'up' ? Math.ceil(micros / 10_000) : Math.floor(micros / 10_000)),
};

describe('mayNameMacros', () => {
  it('is true for every spelling expandMacros substitutes, false for text it returns as is', () => {
    const values = { AUCTION_PRICE: '1.5' };
    for (const spelling of ['${AUCTION_PRICE}', '%24%7BAUCTION_PRICE%7D', '$%7BAUCTION_PRICE%7d', '%24{AUCTION_PRICE}', '${AUCTION_PRICE:B64}']) {
      expect(expandMacros(`p=${spelling}`, values), spelling).not.toBe(`p=${spelling}`);
      expect(mayNameMacros(`p=${spelling}`), spelling).toBe(true);
    }
    expect(mayNameMacros('<a href="https://landing.example/?a=1&amp;b={AUCTION_PRICE}">x</a>')).toBe(false);
  });
});

describe('expandMacros', () => {
  const values = { AUCTION_ID: 'a b&c/ä', AUCTION_PRICE: '1.5', AUCTION_SEAT_ID: undefined, CLICK_URL: 'https://x.example/c?a=1' };
  it.each([
    ['plain value', 'p=${AUCTION_PRICE}', {}, 'p=1.5'],
    ['raw inside markup', '<i>${AUCTION_ID}</i>', {}, '<i>a b&c/ä</i>'],
    ['URL-encoded in a URL', 'https://d.example/w?id=${AUCTION_ID}', { urlEncode: true }, 'https://d.example/w?id=a%20b%26c%2F%C3%A4'],
    ['known macro without value is empty', 's=${AUCTION_SEAT_ID}&m=${AUCTION_MULTIPLIER}', {}, 's=&m='],
    ['unknown macro is left as written', 'x=${SOMETHING_ELSE}', {}, 'x=${SOMETHING_ELSE}'],
    ['extra macro with a value', 'c=${CLICK_URL}', { urlEncode: true }, 'c=https%3A%2F%2Fx.example%2Fc%3Fa%3D1'],
    ['B64 is base64url', 'b=${AUCTION_ID:B64}', {}, `b=${Buffer.from('a b&c/ä').toString('base64url')}`],
    ['B64 of an empty value is empty', 'b=${AUCTION_LOSS:B64}', {}, 'b='],
    ['an unknown encoding never leaks the value', 'p=${AUCTION_PRICE:ROT13}', {}, 'p='],
    ['percent-encoded form (encodeURIComponent), always encoded', 'u=%24%7BAUCTION_ID%7D', {}, 'u=a%20b%26c%2F%C3%A4'],
    ['percent-encoded braces (encodeURI), lower-case hex', 'u=$%7bAUCTION_PRICE%7d', {}, 'u=1.5'],
    ['lower-case names are not macros', 'p=${auction_price}', {}, 'p=${auction_price}'],
    ['preserved macros stay for a later pass', 't=${AUCTION_IMP_TS}&p=${AUCTION_PRICE}', { preserve: ['AUCTION_IMP_TS'] }, 't=${AUCTION_IMP_TS}&p=1.5'],
    ['no macro: same string', 'https://d.example/w?a=1', {}, 'https://d.example/w?a=1'],
    ['every occurrence', '${AUCTION_PRICE}${AUCTION_PRICE}', {}, '1.51.5'],
  ])('%s', (_name, template, options, expected) => {
    expect(expandMacros(template, values, options)).toBe(expected);
  });

  it('a substituted value is not expanded again', () => {
    expect(expandMacros('${AUCTION_ID}', { AUCTION_ID: '${AUCTION_PRICE}', AUCTION_PRICE: '9' })).toBe('${AUCTION_PRICE}');
  });
});

describe('auctionMacroValues', () => {
  it('a win: every OpenRTB macro, prices in the bidder units without float artefacts', () => {
    const values = auctionMacroValues({ auctionId: 'auc' }, { award: award(290_000, 280_000, 300_000) }, decimal, { impressionAt: 1_700_000_000_123 });
    expect(values).toEqual({
      AUCTION_ID: 'auc', AUCTION_BID_ID: 'bid-1', AUCTION_IMP_ID: 'imp-1', AUCTION_SEAT_ID: 'seat-7', AUCTION_AD_ID: 'ad-9',
      AUCTION_CURRENCY: 'USD', AUCTION_PRICE: '0.29', AUCTION_MBR: '0.966666', AUCTION_LOSS: '0', AUCTION_MIN_TO_WIN: '0.28',
      AUCTION_IMP_TS: '1700000000123',
    });
    for (const name of Object.keys(values)) expect(OPENRTB_MACROS).toContain(name);
  });

  it('a loss: price and MBR blank, the loss code, min-to-win only when price decided', () => {
    expect(auctionMacroValues({ auctionId: 'auc' }, { loss: loss(102, 1_510_000) }, decimal)).toMatchObject({ AUCTION_LOSS: '102', AUCTION_MIN_TO_WIN: '1.51' });
    const rejected = auctionMacroValues({ auctionId: 'auc' }, { loss: loss(7, null) }, decimal);
    expect(rejected.AUCTION_LOSS).toBe('7');
    for (const blank of ['AUCTION_MIN_TO_WIN', 'AUCTION_PRICE', 'AUCTION_MBR'] as const) expect(rejected[blank], blank).toBeUndefined();
    expect(expandMacros('p=${AUCTION_PRICE}&m=${AUCTION_MIN_TO_WIN}&l=${AUCTION_LOSS}', rejected)).toBe('p=&m=&l=7');
  });

  it('rounds the price down (never more than paid) and min-to-win up (a bid at it would not lose)', () => {
    expect(auctionMacroValues({ auctionId: 'a' }, { award: award(2_015_000, 2_005_000, 3_000_000) }, cents)).toMatchObject({ AUCTION_PRICE: '201', AUCTION_MIN_TO_WIN: '201' });
  });
});

describe('marketBidRatio', () => {
  it.each([
    [900_000, 1_000_000, '0.9'], [1_000_000, 1_000_000, '1'], [1, 3, '0.333333'], [510_000, 2_000_000, '0.255'], [5, 0, undefined],
  ])('%i / %i → %s', (clearing, bid, expected) => {
    expect(marketBidRatio(clearing, bid)).toBe(expected);
  });

  it('rounds down exactly, in doubles and past them, as integer arithmetic does', () => {
    const reference = (clearing: number, bid: number) => {
      const scaled = (BigInt(clearing) * 1_000_000n) / BigInt(bid);
      const fraction = scaled % 1_000_000n;
      return fraction === 0n ? String(scaled / 1_000_000n) : `${scaled / 1_000_000n}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
    };
    // Quotients a hair below an integer (where a rounded double division would round up), and sizes past 2^53.
    const cases: Array<[number, number]> = [[999_999_999, 1_000_000_000], [999_999_999_999, 1_000_000_000_000], [8_999_999_999, 9_000_000_000], [2 ** 40 - 1, 2 ** 40], [123_456_789_012, 123_456_789_013]];
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 2_000; i++) {
      const bid = 1 + (next() % 50_000_000);
      cases.push([next() % (bid + 1), bid]);
    }
    for (const [clearing, bid] of cases) expect(marketBidRatio(clearing, bid), `${clearing} / ${bid}`).toBe(reference(clearing, bid));
  });
});
