import { decimalToMicros, microsToDecimal, type Micros } from '../money.js';

/** One band of a price granularity: prices up to `maxMicros` (from the previous band's max) go by `incrementMicros`. */
export interface PriceBand {
  readonly maxMicros: Micros;
  readonly incrementMicros: Micros;
}

/** How bid prices are bucketed into `hb_pb` (Prebid's price granularity): its bands, in order, and its decimals. */
export interface PriceGranularity {
  readonly bands: readonly PriceBand[];
  /** Decimals written (Prebid's `precision`, default 2). */
  readonly precision: number;
}

const band = (max: number, increment: number): PriceBand => ({ maxMicros: max * 1_000_000, incrementMicros: Math.round(increment * 1_000_000) });

/** Prebid's named granularities (docs.prebid.org, `priceGranularity`), as Prebid Server defines them. */
export const NAMED_GRANULARITIES: Readonly<Record<string, PriceGranularity>> = {
  low: { bands: [band(5, 0.5)], precision: 2 },
  medium: { bands: [band(20, 0.1)], precision: 2 },
  med: { bands: [band(20, 0.1)], precision: 2 },
  high: { bands: [band(20, 0.01)], precision: 2 },
  auto: { bands: [band(5, 0.05), band(10, 0.1), band(20, 0.5)], precision: 2 },
  dense: { bands: [band(3, 0.01), band(8, 0.05), band(20, 0.5)], precision: 2 },
};

/** Prebid Server's granularity when a request asks for targeting without naming one. */
export const DEFAULT_GRANULARITY = NAMED_GRANULARITIES.medium!;

const MAX_PRECISION = 6;
const MAX_BANDS = 64;

/**
 * Reads `ext.prebid.targeting.pricegranularity` as Prebid Server takes it: a name (`low`, `medium`/`med`, `high`,
 * `auto`, `dense`), or `{ precision?, ranges: [{ max, increment }, …] }` with increasing maxes and positive
 * increments; absent: `medium`. An unusable value is a problem naming what is wrong (the request's `400`).
 */
export function readPriceGranularity(value: unknown): { granularity: PriceGranularity } | { problem: string } {
  if (value === undefined) return { granularity: DEFAULT_GRANULARITY };
  if (typeof value === 'string') {
    const named = Object.hasOwn(NAMED_GRANULARITIES, value) ? NAMED_GRANULARITIES[value] : undefined;
    return named ? { granularity: named } : { problem: `unknown granularity "${value.slice(0, 40)}" (low, medium, high, auto, dense, or { ranges })` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'must be a name or { precision, ranges }' };
  const { precision = 2, ranges } = value as { precision?: unknown; ranges?: unknown };
  if (!Number.isInteger(precision) || (precision as number) < 0 || (precision as number) > MAX_PRECISION) return { problem: `precision: must be a whole number from 0 to ${MAX_PRECISION}` };
  if (!Array.isArray(ranges) || ranges.length === 0 || ranges.length > MAX_BANDS) return { problem: `ranges: must be a list of 1 to ${MAX_BANDS} { max, increment }` };
  const bands: PriceBand[] = [];
  for (const [i, range] of ranges.entries()) {
    const { max, increment } = (range ?? {}) as { max?: unknown; increment?: unknown };
    const maxMicros = decimalToMicros(max);
    const incrementMicros = decimalToMicros(increment);
    if (maxMicros === null || maxMicros <= (bands.at(-1)?.maxMicros ?? 0)) return { problem: `ranges[${i}].max: must be a price above the previous range's` };
    if (incrementMicros === null || incrementMicros === 0) return { problem: `ranges[${i}].increment: must be a positive price` };
    bands.push({ maxMicros, incrementMicros });
  }
  return { granularity: { bands, precision: precision as number } };
}

/**
 * The price bucket (`hb_pb`) of `price`, as Prebid's bucketing computes it, in integer micros: rounded down to the
 * increment of its band, counted from the previous band's max; above the last band, that band's max. Written with
 * `precision` decimals (`"1.40"`).
 */
export function priceBucket(price: Micros, granularity: PriceGranularity): string {
  let from: Micros = 0;
  let bucket: Micros | undefined;
  for (const { maxMicros, incrementMicros } of granularity.bands) {
    if (price <= maxMicros) {
      bucket = from + Math.floor((price - from) / incrementMicros) * incrementMicros;
      break;
    }
    from = maxMicros;
  }
  bucket ??= granularity.bands.at(-1)!.maxMicros;
  return formatPrecision(bucket, granularity.precision);
}

/** Micros written with exactly `precision` decimals, truncated (a bucket is already on its increment). */
function formatPrecision(micros: Micros, precision: number): string {
  const [whole, fraction = ''] = microsToDecimal(micros).split('.');
  return precision === 0 ? whole! : `${whole}.${fraction.padEnd(6, '0').slice(0, precision)}`;
}
