import { describe, expect, it } from 'vitest';
import { NAMED_GRANULARITIES, priceBucket, readPriceGranularity } from './price-granularity.js';

const cpm = (value: number) => Math.round(value * 1_000_000);
const bucket = (price: number, name: string) => priceBucket(cpm(price), NAMED_GRANULARITIES[name]!);

describe('price buckets (hb_pb), as Prebid rounds them', () => {
  it.each([
    // [granularity, price, bucket]: each band's edges, and above the cap.
    ['low', 0, '0.00'], ['low', 0.49, '0.00'], ['low', 0.5, '0.50'], ['low', 4.99, '4.50'], ['low', 5, '5.00'], ['low', 5.01, '5.00'], ['low', 100, '5.00'],
    ['medium', 0.09, '0.00'], ['medium', 0.1, '0.10'], ['medium', 1.37, '1.30'], ['medium', 19.99, '19.90'], ['medium', 20, '20.00'], ['medium', 25, '20.00'],
    ['high', 0.29, '0.29'], ['high', 1.999999, '1.99'], ['high', 20.5, '20.00'],
    ['auto', 4.99, '4.95'], ['auto', 5, '5.00'], ['auto', 5.09, '5.00'], ['auto', 5.1, '5.10'], ['auto', 9.99, '9.90'], ['auto', 10.49, '10.00'], ['auto', 10.5, '10.50'], ['auto', 21, '20.00'],
    ['dense', 2.99, '2.99'], ['dense', 3.04, '3.00'], ['dense', 3.05, '3.05'], ['dense', 7.99, '7.95'], ['dense', 8.49, '8.00'], ['dense', 19.99, '19.50'],
  ])('%s: %s → %s', (name, price, expected) => {
    expect(bucket(price as number, name as string)).toBe(expected);
  });

  it('a custom granularity: its ranges from the previous max, its precision; absent is medium', () => {
    const read = readPriceGranularity({ precision: 3, ranges: [{ max: 1, increment: 0.005 }, { max: 3, increment: 0.25 }] });
    if (!('granularity' in read)) throw new Error(read.problem);
    expect(priceBucket(cpm(0.0049), read.granularity)).toBe('0.000');
    expect(priceBucket(cpm(0.999), read.granularity)).toBe('0.995');
    expect(priceBucket(cpm(1.24), read.granularity)).toBe('1.000');
    expect(priceBucket(cpm(1.25), read.granularity)).toBe('1.250');
    expect(priceBucket(cpm(9), read.granularity)).toBe('3.000');
    expect(readPriceGranularity(undefined)).toEqual({ granularity: NAMED_GRANULARITIES.medium });
    expect(readPriceGranularity('med')).toEqual({ granularity: NAMED_GRANULARITIES.medium });
  });

  it.each([
    ['dense-ish', 'unknown granularity'],
    [{ ranges: [] }, 'ranges'],
    [{ ranges: [{ max: 5, increment: 0 }] }, 'ranges[0].increment'],
    [{ ranges: [{ max: 5, increment: 1 }, { max: 5, increment: 1 }] }, 'ranges[1].max'],
    [{ precision: 9, ranges: [{ max: 5, increment: 1 }] }, 'precision'],
    [[1], 'must be a name'],
  ])('%j is refused naming %s', (value, problem) => {
    const read = readPriceGranularity(value);
    expect('problem' in read && read.problem).toContain(problem);
  });
});
