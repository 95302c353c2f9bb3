import { describe, expect, it } from 'vitest';
import { decimalToMicros, floorToMicros, MAX_MICROS, microsToCpmNumber, microsToDecimal, scaleMicros } from './money.js';

describe('decimalToMicros', () => {
  it.each([
    [0, 0],
    [1, 1_000_000],
    [0.29, 290_000],
    [1.2, 1_200_000],
    [0.000001, 1],
    [1e-6, 1],
    ['2.5', 2_500_000],
    ['.5', 500_000],
    ['5.', 5_000_000],
    ['1e3', 1_000_000_000],
    [123456.789012, 123_456_789_012],
    [9_000_000_000, 9_000_000_000_000_000],
  ])('reads %s exactly as %i micros', (input, micros) => {
    expect(decimalToMicros(input)).toBe(micros);
  });

  it.each([
    [0.0000009, 'down', 0],
    [0.0000009, 'up', 1],
    [1.0000005, 'down', 1_000_000],
    [1.0000005, 'up', 1_000_001],
    [1.000001, 'up', 1_000_001],
    ['0.1234564999', 'down', 123_456],
    ['0.1234560000', 'up', 123_456],
  ] as const)('rounds %s %s to %i', (input, rounding, micros) => {
    expect(decimalToMicros(input, rounding)).toBe(micros);
  });

  it('reads a JSON number exactly as its shortest decimal form says, both ways of rounding, on both sides of 10^6', () => {
    // Numbers take an arithmetic path below 10^6; their text form ("1.23" as a string) always takes the textual one.
    const seeds = [0.1, 0.29, 0.3, 1.005, 2.675, 999_999.999999, 999_999.9999995, 1_000_000.000001, 1_000_000.5, 4.35, 8.2, 0.000001, 0.0000015, 1e-7, 123.4567891];
    let state = 12345;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const micros = Math.floor(random() * 2_000_000_000_000);
      seeds.push(micros / 1_000_000, (micros + random()) / 1_000_000, random() * 10 ** Math.floor(random() * 9 - 3));
    }
    for (const value of seeds) {
      for (const rounding of ['down', 'up'] as const) expect(decimalToMicros(value, rounding), `${value} ${rounding}`).toBe(decimalToMicros(String(value), rounding));
    }
  });

  it.each([-1, -0.000001, Number.NaN, Number.POSITIVE_INFINITY, '', 'abc', '1,5', '-2', '1.2.3', null, undefined, {}, [], 1e300])(
    'refuses %s',
    (input) => {
      expect(decimalToMicros(input)).toBeNull();
    },
  );
});

describe('floorToMicros: a floor is never lost', () => {
  it('rounds up, reads no floor as 0, and holds every amount up to MAX_MICROS', () => {
    expect(floorToMicros(undefined)).toBe(0);
    expect(floorToMicros(0)).toBe(0);
    expect(floorToMicros(0.0000001)).toBe(1);
    expect(floorToMicros(1.2345671)).toBe(1_234_568);
    expect(floorToMicros('9007199254.740991')).toBe(MAX_MICROS);
    expect(floorToMicros(9_007_199_254)).toBe(9_007_199_254_000_000);
  });

  it.each([[1e11], [1e308], ['9007199254.740992'], [-1], [Number.NaN], [Infinity], ['abc'], [null]])('throws for %s rather than returning no floor', (value) => {
    expect(() => floorToMicros(value)).toThrow(RangeError);
  });
});

describe('microsToDecimal', () => {
  it.each([
    [0, '0'],
    [1, '0.000001'],
    [1_200_000, '1.2'],
    [3_000_000, '3'],
    [1_010_000, '1.01'],
    [123_456_789, '123.456789'],
    [-1_500_000, '-1.5'],
  ])('writes %i as %s', (micros, text) => {
    expect(microsToDecimal(micros)).toBe(text);
  });

  it('never writes float artefacts (0.1 + 0.2 in micros)', () => {
    expect(microsToDecimal(100_000 + 200_000)).toBe('0.3');
    expect(microsToCpmNumber(100_000 + 200_000)).toBe(0.3);
  });

  it('refuses a float: a fractional micro is a bug inside the exchange', () => {
    expect(() => microsToDecimal(1.5)).toThrow(TypeError);
  });

  it('round-trips every micro of a range', () => {
    for (let micros = 0; micros < 3_000; micros += 7) expect(decimalToMicros(microsToDecimal(micros))).toBe(micros);
  });
});

describe('scaleMicros', () => {
  it.each([
    [1_000_000, 100, 1_000_000, 'down', 100],
    [1, 100, 1_000_000, 'down', 0],
    [1, 100, 1_000_000, 'up', 1],
    [10_000, 100, 1_000_000, 'up', 1],
    [10_001, 100, 1_000_000, 'up', 2],
    [0, 3, 7, 'up', 0],
  ] as const)('%i × %i / %i rounded %s = %i', (amount, numerator, denominator, rounding, expected) => {
    expect(scaleMicros(amount, numerator, denominator, rounding)).toBe(expected);
  });

  it('refuses results beyond safe integers', () => {
    expect(() => scaleMicros(Number.MAX_SAFE_INTEGER, 10, 1, 'down')).toThrow(RangeError);
  });
});
