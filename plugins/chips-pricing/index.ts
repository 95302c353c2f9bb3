import { inject, injectable } from 'tsyringe';
import {
  type BidderScope, type ConfigKeys, LossReason, type Micros, MICROS_PER_CPM, type PriceReading, type Pricing,
  type Rounding, RtbStartupError, scaleMicros, Tokens, z,
} from '../../core/index.js';

/** A chip unit code (R8): `0` 1 CPM = 100 chips (default), `1` 1 CPM = 1 chip, `2` 1 CPM = 1000 chips. */
export type ChipUnits = 0 | 1 | 2;

/** How many chips make one CPM unit of the exchange currency, by unit code (R8). */
export const CHIPS_PER_CPM: Readonly<Record<ChipUnits, number>> = { 0: 100, 1: 1, 2: 1000 };

/** Whether `value` is one of the unit codes of R8. */
export function isChipUnits(value: unknown): value is ChipUnits {
  return value === 0 || value === 1 || value === 2;
}

/**
 * Converts an integer chip price into exchange micros, exactly (every unit code divides a million). Returns a
 * reading with OpenRTB loss code 9 when the price is missing, 3 when it is not a non-negative integer number
 * or does not fit in safe integer micros.
 */
export function chipsToMicros(price: unknown, units: ChipUnits): PriceReading {
  if (price === undefined || price === null) return { ok: false, code: LossReason.missingPrice, reason: 'missing price' };
  if (typeof price !== 'number' || !Number.isFinite(price)) return { ok: false, code: LossReason.invalidBidResponse, reason: `chip price ${JSON.stringify(price)} is not a number` };
  if (!Number.isInteger(price)) return { ok: false, code: LossReason.invalidBidResponse, reason: `chip price ${price} is not an integer` };
  if (price < 0) return { ok: false, code: LossReason.invalidBidResponse, reason: `chip price ${price} is negative` };
  const microsPerChip = MICROS_PER_CPM / CHIPS_PER_CPM[units];
  if (!Number.isSafeInteger(price) || price > Math.floor(Number.MAX_SAFE_INTEGER / microsPerChip)) {
    return { ok: false, code: LossReason.invalidBidResponse, reason: `chip price ${price} is too large` };
  }
  return { ok: true, micros: price * microsPerChip };
}

/**
 * Writes micros as a whole number of chips. Floors go `up` (a bid at the sent floor is never below the real
 * one); what a bidder is told it pays goes `down` (it is never told it paid more than it did).
 */
export function microsToChips(micros: Micros, units: ChipUnits, rounding: Rounding): number {
  return scaleMicros(micros, CHIPS_PER_CPM[units], MICROS_PER_CPM, rounding);
}

/**
 * `chips` pricing (R8): the bidder prices in integer "chips" whose worth its `units` sets (`bidders.NAME.units`,
 * default 0; an answer may declare its own `units`, passed as the `units` hint). Wire prices become micros
 * exactly; floors and price macros are written in the bidder's configured chips.
 */
@injectable()
export class ChipsPricing implements Pricing {
  /** `units` (0, 1 or 2): what a chip is worth; checked here, with the value in the message. */
  static readonly configKeys: ConfigKeys = { bidder: { units: z.unknown() } };

  /** The unit code from the bidder's config. */
  readonly units: ChipUnits;

  constructor(@inject(Tokens.BidderScope) scope: BidderScope) {
    const units = scope.config.units ?? 0;
    if (!isChipUnits(units)) {
      throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', [`bidders.${scope.name}.units: must be 0, 1 or 2 (got ${JSON.stringify(units)})`]);
    }
    this.units = units;
  }

  /** Reads an integer chip price; `hints.units` (from the answer or the bid) overrides the configured units. */
  toMicros(price: unknown, hints?: Readonly<Record<string, unknown>>): PriceReading {
    const declared = hints?.units;
    if (declared === undefined || declared === null) return chipsToMicros(price, this.units);
    if (!isChipUnits(declared)) return { ok: false, code: LossReason.invalidBidResponse, reason: `units ${JSON.stringify(declared)} is not 0, 1 or 2` };
    return chipsToMicros(price, declared);
  }

  /** Micros as whole chips of the configured units, as text (`"171"`). */
  fromMicros(micros: Micros, rounding: Rounding): string {
    return String(microsToChips(micros, this.units, rounding));
  }
}
