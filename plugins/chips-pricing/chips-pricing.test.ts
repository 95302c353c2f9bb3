import { describe, expect, it } from 'vitest';
import { builtinRegistry, type Pricing, RtbStartupError } from '../../core/index.js';
import { bidderFor } from '../../core/testing/index.js';
import { chipsToMicros, microsToChips, type ChipUnits } from './index.js';

/** Resolves the `chips` pricing of one bidder through the same DI wiring `rtb start` uses. */
function chipsPricing(bidder: Record<string, unknown>): Pricing {
  return bidderFor(builtinRegistry(), 'dsp', { bidders: { dsp: { endpoint: 'http://127.0.0.1:9/bid', dialect: 'openrtb', pricing: 'chips', ...bidder } } }).pricing;
}

const MAX = Number.MAX_SAFE_INTEGER;

describe('chips → micros (R8), exact for every unit', () => {
  // [units, chips, micros]: 0, 1, odd counts, the seed's own example and the largest price that fits.
  const table: Array<[ChipUnits, number, number]> = [
    [0, 0, 0],
    [0, 1, 10_000],
    [0, 7, 70_000],
    [0, 12_345, 123_450_000],
    [0, 20_000, 200_000_000],
    [0, Math.floor(MAX / 10_000), Math.floor(MAX / 10_000) * 10_000],
    [1, 0, 0],
    [1, 1, 1_000_000],
    [1, 7, 7_000_000],
    [1, 12_345, 12_345_000_000],
    [1, 200, 200_000_000],
    [1, Math.floor(MAX / 1_000_000), Math.floor(MAX / 1_000_000) * 1_000_000],
    [2, 0, 0],
    [2, 1, 1_000],
    [2, 7, 7_000],
    [2, 12_345, 12_345_000],
    [2, 200_000, 200_000_000],
    [2, Math.floor(MAX / 1_000), Math.floor(MAX / 1_000) * 1_000],
  ];
  it.each(table)('units %i: %i chips = %i micros', (units, chips, micros) => {
    expect(chipsToMicros(chips, units)).toEqual({ ok: true, micros });
    expect(chipsPricing({ units }).toMicros(chips)).toEqual({ ok: true, micros });
    expect(Number.isSafeInteger(micros)).toBe(true);
  });

  it('the seed example: 200 per thousand is 20000, 200 and 200000 chips, all 0.2 per impression', () => {
    const perImpression = [chipsToMicros(20_000, 0), chipsToMicros(200, 1), chipsToMicros(200_000, 2)].map((r) => (r.ok ? r.micros / 1000 : null));
    expect(perImpression).toEqual([200_000, 200_000, 200_000]);
  });

  it.each([0, 1, 2] as ChipUnits[])('units %i: one chip more than fits in safe micros is invalid (3)', (units) => {
    const perChip = { 0: 10_000, 1: 1_000_000, 2: 1_000 }[units];
    expect(chipsToMicros(Math.floor(MAX / perChip) + 1, units)).toMatchObject({ ok: false, code: 3 });
    expect(chipsToMicros(MAX + 1, units)).toMatchObject({ ok: false, code: 3 });
  });

  const invalid: Array<[string, unknown, number]> = [
    ['missing', undefined, 9],
    ['null', null, 9],
    ['fractional', 1.5, 3],
    ['barely fractional', 100.000001, 3],
    ['negative', -1, 3],
    ['numeric string', '200', 3],
    ['text', 'abc', 3],
    ['NaN', Number.NaN, 3],
    ['Infinity', Number.POSITIVE_INFINITY, 3],
    ['boolean', true, 3],
    ['object', { chips: 1 }, 3],
  ];
  it.each(invalid)('a %s price is invalid with loss code %i (%j)', (_, price, code) => {
    for (const units of [0, 1, 2] as ChipUnits[]) expect(chipsToMicros(price, units)).toMatchObject({ ok: false, code });
  });
});

describe('units declared in the answer', () => {
  it('override the configured units; an unknown unit code is invalid', () => {
    const pricing = chipsPricing({ units: 0 });
    expect(pricing.toMicros(200)).toEqual({ ok: true, micros: 2_000_000 });
    expect(pricing.toMicros(200, { units: 1 })).toEqual({ ok: true, micros: 200_000_000 });
    expect(pricing.toMicros(200, { units: 2 })).toEqual({ ok: true, micros: 200_000 });
    expect(pricing.toMicros(200, { units: 3 })).toMatchObject({ ok: false, code: 3 });
    expect(pricing.toMicros(200, { units: '1' })).toMatchObject({ ok: false, code: 3 });
  });

  it('units default to 0 (100 chips per CPM)', () => {
    expect(chipsPricing({}).toMicros(100)).toEqual({ ok: true, micros: 1_000_000 });
  });
});

describe('micros → chips (floors up, prices told down)', () => {
  // [units, micros, chips rounded up, chips rounded down]
  const table: Array<[ChipUnits, number, number, number]> = [
    [0, 0, 0, 0],
    [0, 1, 1, 0],
    [0, 9_999, 1, 0],
    [0, 10_000, 1, 1],
    [0, 10_001, 2, 1],
    [0, 105_000, 11, 10],
    [0, 1_710_000, 171, 171],
    [1, 1, 1, 0],
    [1, 999_999, 1, 0],
    [1, 1_000_000, 1, 1],
    [1, 1_000_001, 2, 1],
    [1, 1_710_000, 2, 1],
    [2, 1, 1, 0],
    [2, 999, 1, 0],
    [2, 1_000, 1, 1],
    [2, 1_001, 2, 1],
    [2, 1_710_000, 1_710, 1_710],
    [2, MAX, Math.ceil(MAX / 1000), Math.floor(MAX / 1000)],
  ];
  it.each(table)('units %i: %i micros → %i chips up, %i down', (units, micros, up, down) => {
    expect(microsToChips(micros, units, 'up')).toBe(up);
    expect(microsToChips(micros, units, 'down')).toBe(down);
    expect(chipsPricing({ units }).fromMicros(micros, 'up')).toBe(String(up));
  });

  it.each([0, 1, 2] as ChipUnits[])('units %i: a bid at the sent floor is never below the real floor, one chip less is', (units) => {
    for (const floor of [1, 3, 9_999, 10_001, 123_457, 999_999, 1_000_001, 7_654_321]) {
      const chips = microsToChips(floor, units, 'up');
      const atFloor = chipsToMicros(chips, units);
      const below = chipsToMicros(chips - 1, units);
      expect(atFloor.ok && atFloor.micros >= floor).toBe(true);
      expect(below.ok && below.micros < floor).toBe(true);
    }
  });
});

describe('configuration', () => {
  it('a unit code other than 0, 1, 2 stops start-up naming the key', () => {
    expect(() => chipsPricing({ units: 5 })).toThrow(RtbStartupError);
    expect(() => chipsPricing({ units: 5 })).toThrow(/bidders\.dsp\.units: must be 0, 1 or 2/);
  });
});
