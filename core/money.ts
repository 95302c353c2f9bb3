/**
 * Integer money. Every price inside the exchange is an integer number of CPM micros of the exchange
 * currency (1 CPM unit = 1,000,000 micros). Floats appear only at the dialect edge, where a wire price
 * is parsed once with {@link decimalToMicros}, and where a price is written back with
 * {@link microsToDecimal}. Every rounding rule of the exchange is written here, once.
 */

/** An integer count of CPM micros. */
export type Micros = number;

/** One CPM unit (1 currency unit per thousand impressions) in micros. */
export const MICROS_PER_CPM = 1_000_000;

/**
 * Which way a conversion that cannot be exact goes.
 * - `down` (toward zero) for what a bidder offers: it is never credited with more than it bid.
 * - `up` for what the exchange requires (floors): a price at the converted floor is never below the real one.
 */
export type Rounding = 'down' | 'up';

/** Below this, a JSON number that is a whole number of micros is read by arithmetic ({@link decimalToMicros}). */
const EXACT_PRODUCT_BELOW = 1_000_000;

const DECIMAL = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a non-negative decimal CPM amount (a JSON number or a decimal string such as `"1.25"` or
 * `"2e-3"`) into integer micros, exactly: the number's shortest decimal form is read as text, so
 * `0.29` is 290000, never 289999. Digits below one micro are rounded as `rounding` says.
 * Returns `null` for anything that is not a finite, non-negative decimal.
 */
export function decimalToMicros(value: unknown, rounding: Rounding = 'down'): Micros | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    if (Number.isSafeInteger(value) && value <= Number.MAX_SAFE_INTEGER / MICROS_PER_CPM) return value * MICROS_PER_CPM;
    if (value < EXACT_PRODUCT_BELOW) {
      // The wire's common case, without text: below 10^6 two amounts a micro apart are ~10^4 ulps apart, so at
      // most one whole number of micros reads back as this double, and it is the value of the double's shortest
      // decimal form. The product's rounding error stays far below half a micro, so Math.round finds it.
      const micros = Math.round(value * MICROS_PER_CPM);
      if (micros / MICROS_PER_CPM === value) return micros;
    }
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  const match = DECIMAL.exec(text);
  if (!match || match[1].length + (match[2]?.length ?? 0) === 0) return null;
  const exponent = Number(match[3] ?? 0) + 6;
  const digits = match[1] + (match[2] ?? '');
  const pointAt = match[1].length + exponent;
  if (pointAt > 16) return null;
  const whole = pointAt <= 0 ? '0' : digits.slice(0, pointAt).padEnd(pointAt, '0');
  const rest = pointAt >= digits.length ? '' : digits.slice(Math.max(pointAt, 0));
  let micros = Number(whole);
  if (!Number.isSafeInteger(micros)) return null;
  const hasRemainder = /[1-9]/.test(rest);
  if (hasRemainder && rounding === 'up') micros += 1;
  return micros;
}

/** The largest amount the exchange holds: every price and floor is a safe integer of micros (≈ 9.007 billion CPM). */
export const MAX_MICROS: Micros = Number.MAX_SAFE_INTEGER;

/**
 * A floor in micros, rounded up: `undefined` is no floor (0). A floor the exchange cannot hold (negative, not a
 * decimal, or above {@link MAX_MICROS}) throws a `RangeError` rather than becoming 0: inbound floors are validated
 * before they get here (`400` naming the field), so a throw is a bug to surface, never a sale below a floor.
 */
export function floorToMicros(value: unknown): Micros {
  if (value === undefined) return 0;
  const micros = decimalToMicros(value, 'up');
  if (micros === null) throw new RangeError(`not a floor the exchange can hold: ${String(value).slice(0, 40)}`);
  return micros;
}

/**
 * Writes micros as the shortest exact decimal CPM string: 1200000 → `"1.2"`, 5 → `"0.000005"`,
 * 3000000 → `"3"`. Never produces float artefacts.
 */
export function microsToDecimal(micros: Micros): string {
  assertMicros(micros);
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_CPM);
  const fraction = abs % MICROS_PER_CPM;
  if (fraction === 0) return sign + whole;
  return `${sign}${whole}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}

/** The same value as {@link microsToDecimal}, as a JSON number (for OpenRTB `price` fields). */
export function microsToCpmNumber(micros: Micros): number {
  return Number(microsToDecimal(micros));
}

/**
 * Multiplies micros by the exact ratio `numerator / denominator` (both positive integers) and rounds
 * as `rounding` says. Used for unit conversions at dialect edges (e.g. chips per CPM).
 */
export function scaleMicros(amount: number, numerator: number, denominator: number, rounding: Rounding): number {
  assertMicros(amount);
  const product = BigInt(amount) * BigInt(numerator);
  const divisor = BigInt(denominator);
  let quotient = product / divisor;
  if (rounding === 'up' && product % divisor !== 0n && product > 0n) quotient += 1n;
  const result = Number(quotient);
  if (!Number.isSafeInteger(result)) throw new RangeError(`money overflow: ${amount} × ${numerator}/${denominator}`);
  return result;
}

/** Throws unless `value` is a safe integer: a float price inside the exchange is a bug, not an input. */
export function assertMicros(value: number): asserts value is Micros {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not integer micros: ${value}`);
}
