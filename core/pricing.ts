import { decimalToMicros, microsToDecimal, type Micros, type Rounding } from './money.js';

/** A wire price read into micros, or why it could not be read (with an OpenRTB loss reason code). */
export type PriceReading = { ok: true; micros: Micros } | { ok: false; code: number; reason: string };

/**
 * A bidder's price units: how its wire prices become the exchange's integer micros and back. Chosen per
 * bidder (`bidders.NAME.pricing`); the dialect calls it at the edge, macros use it to speak the bidder's units.
 */
export interface Pricing {
  /** Reads a bid's wire price. `hints` carries unit declarations from the answer (e.g. chip `units`). */
  toMicros(price: unknown, hints?: Readonly<Record<string, unknown>>): PriceReading;
  /** Writes micros in the bidder's units, as text (`"1.2"`, `"120"`), rounding as `rounding` says. */
  fromMicros(micros: Micros, rounding: Rounding): string;
}

/** OpenRTB's own units: decimal CPM in the exchange currency. The default pricing of every bidder. */
export class DecimalCpmPricing implements Pricing {
  toMicros(price: unknown): PriceReading {
    if (price === undefined || price === null || price === '') return { ok: false, code: 9, reason: 'missing price' };
    if (typeof price !== 'number') return { ok: false, code: 3, reason: 'price is not a number' };
    const micros = decimalToMicros(price, 'down');
    return micros === null ? { ok: false, code: 3, reason: `invalid price ${price}` } : { ok: true, micros };
  }

  fromMicros(micros: Micros): string {
    return microsToDecimal(micros);
  }
}
