/**
 * OpenRTB 2.6 substitution macros (§4.4): one engine for notice URLs (`nurl`, `lurl`, `burl`) and for ad
 * markup (`adm`, in `admRewrite`). Only the server expands them, because only the server knows the clearing
 * price (T4).
 *
 * Two steps, kept apart so that each caller picks its own values and encoding:
 * 1. {@link auctionMacroValues} builds the values of one bid's macros from the auction, the bid's award or loss
 *    and the bidder's {@link Pricing} (prices in the bidder's own units, from integer micros).
 * 2. {@link expandMacros} substitutes them into a template.
 *
 * ```ts
 * const values = auctionMacroValues(ctx, { award }, bidder.pricing);
 * const url = expandMacros(bid.nurl, values, { urlEncode: true });
 * const adm = expandMacros(bid.adm, values); // raw values inside markup
 * ```
 */
import type { Award, Loss } from './auction/bids.js';
import { type Micros } from './money.js';
import { LossReason } from './openrtb/loss-reasons.js';
import type { Pricing } from './pricing.js';

/**
 * Every auction macro of OpenRTB 2.6 §4.4. A macro of this list with no value (unknown or withheld) expands to
 * the empty string, as §4.4 requires; a `${NAME}` outside the list is left as written unless a value is given.
 */
export const OPENRTB_MACROS = [
  'AUCTION_ID',
  'AUCTION_BID_ID',
  'AUCTION_IMP_ID',
  'AUCTION_SEAT_ID',
  'AUCTION_AD_ID',
  'AUCTION_PRICE',
  'AUCTION_CURRENCY',
  'AUCTION_MBR',
  'AUCTION_LOSS',
  'AUCTION_MIN_TO_WIN',
  'AUCTION_MULTIPLIER',
  'AUCTION_IMP_TS',
  'AUCTION_DISCOUNT_PCT',
  'AUCTION_DISCOUNT_CPM',
] as const;

/** The name of an OpenRTB auction macro, without `${` `}`. */
export type OpenRtbMacro = (typeof OPENRTB_MACROS)[number];

/**
 * Macro values by name (no `${}`): the OpenRTB ones from {@link auctionMacroValues}, plus any extra macro a
 * caller defines (e.g. a markup rewriter's `CLICK_URL`). `undefined` means unknown: it expands to `''`.
 */
export type MacroValues = Readonly<Partial<Record<OpenRtbMacro, string>> & Record<string, string | undefined>>;

/** How {@link expandMacros} writes values into the template. */
export interface ExpandOptions {
  /**
   * URL-encode every substituted value (`encodeURIComponent`). Use it for a template that is a URL (notice
   * URLs, a tracker URL): the values then land safely in its path or query. A macro written in its
   * URL-encoded form (`%24%7BAUCTION_PRICE%7D`, as seen inside already-encoded URLs in markup) is always
   * URL-encoded, whatever this says.
   */
  readonly urlEncode?: boolean;
  /**
   * Macros left exactly as written, for a later pass (e.g. `['AUCTION_IMP_TS']` when the impression time is
   * not known yet).
   */
  readonly preserve?: readonly string[];
}

/** `${NAME}` or `${NAME:ENC}`, also with any of `$`, `{`, `}` percent-encoded (`encodeURI` leaves `$`). */
const MACRO = /(\$|%24)(\{|%7B)([A-Z][A-Z0-9_]*)(?::([A-Za-z0-9]+))?(\}|%7D)/gi;
const KNOWN: ReadonlySet<string> = new Set(OPENRTB_MACROS);

/** How many macros `template` names, in any spelling {@link expandMacros} substitutes (known or not). */
export function countMacros(template: string): number {
  if (!mayNameMacros(template)) return 0;
  let count = 0;
  for (const _ of template.matchAll(MACRO)) count++;
  return count;
}

/**
 * Substitutes macros in `template`: `${NAME}` becomes `values[NAME]`, `${NAME:B64}` its base64url encoding
 * (RFC 4648 §5, no padding: safe in a URL as is). OpenRTB macros without a value become `''`; so does an
 * OpenRTB macro with an encoding suffix other than `B64` (an algorithm we do not share with the bidder must
 * not leak the raw value). Other `${...}` without a value are left untouched. Substitution is textual, without
 * regard for the syntax around it (§4.4).
 */
export function expandMacros(template: string, values: MacroValues, options: ExpandOptions = {}): string {
  if (!mayNameMacros(template)) return template;
  const preserve = options.preserve;
  return template.replace(MACRO, (whole, dollar: string, open: string, rawName: string, suffix: string | undefined, close: string) => {
    // The regex ignores case for the percent-encoded hex digits only: macro names are upper case.
    const name = rawName;
    if (name !== name.toUpperCase()) return whole;
    const encodedForm = dollar !== '$' || open !== '{' || close !== '}';
    if (preserve?.includes(name)) return whole;
    const value = values[name];
    if (value === undefined && !KNOWN.has(name)) return whole;
    let text = value ?? '';
    if (suffix !== undefined) {
      if (suffix.toUpperCase() !== 'B64') return KNOWN.has(name) ? '' : whole;
      text = Buffer.from(text, 'utf8').toString('base64url');
    }
    return options.urlEncode || encodedForm ? encodeURIComponent(text) : text;
  });
}

/**
 * Whether `template` may name a macro: every spelling of one holds `$` or `%`, so without them {@link expandMacros}
 * returns the template as is, and a caller need not build values for it.
 */
export function mayNameMacros(template: string): boolean {
  return template.includes('$') || template.includes('%');
}

/** The bid a set of macro values is about: an award (won) or a loss. */
export type MacroSubject = { readonly award: Award } | { readonly loss: Loss };

/** What else is known when macros are expanded. */
export interface MacroExtras {
  /** When the impression was rendered, ms since the epoch (`${AUCTION_IMP_TS}`): known for `burl` only. */
  readonly impressionAt?: number;
}

/**
 * The OpenRTB macro values of one bid (§4.4, §4.4.1), prices written by the bidder's {@link Pricing}:
 * - `AUCTION_ID` the request id; `AUCTION_BID_ID` the bid's `id` (the exchange does not keep `BidResponse.bidid`);
 *   `AUCTION_IMP_ID`, `AUCTION_SEAT_ID` (`seatbid.seat`), `AUCTION_AD_ID` (`bid.adid`), `AUCTION_CURRENCY`.
 * - Won: `AUCTION_PRICE` the clearing price (rounded down: never more than paid), `AUCTION_MBR` clearing / bid
 *   price (6 decimals, rounded down), `AUCTION_LOSS` `0`, `AUCTION_MIN_TO_WIN` the price to tie the next bid
 *   or the floor (rounded up: a bid at it would not lose).
 * - Lost: `AUCTION_PRICE` and `AUCTION_MBR` blank (a loser's notice never carries the clearing price),
 *   `AUCTION_LOSS` the loss reason code, `AUCTION_MIN_TO_WIN` when the loss says price decided, else blank.
 * - `AUCTION_IMP_TS` from `extras.impressionAt`, else blank; `AUCTION_MULTIPLIER`, `AUCTION_DISCOUNT_*` blank.
 */
export function auctionMacroValues(
  auction: { readonly auctionId: string },
  subject: MacroSubject,
  pricing: Pricing,
  extras: MacroExtras = {},
): MacroValues {
  const award = 'award' in subject ? subject.award : undefined;
  const loss = 'loss' in subject ? subject.loss : undefined;
  const candidate = award ? award.candidate : loss!.candidate;
  const { bid } = candidate;
  // The prices are written only when a template names them (a notice URL names two or three macros; writing
  // every price up front was most of a notice's macro cost).
  return {
    AUCTION_ID: auction.auctionId,
    AUCTION_BID_ID: textOf(bid.id),
    AUCTION_IMP_ID: textOf(bid.impid),
    AUCTION_SEAT_ID: candidate.seat,
    AUCTION_AD_ID: textOf(bid.adid),
    AUCTION_CURRENCY: candidate.currency,
    AUCTION_IMP_TS: extras.impressionAt === undefined ? undefined : String(Math.trunc(extras.impressionAt)),
    AUCTION_LOSS: String(award ? LossReason.won : loss!.code),
    get AUCTION_PRICE() {
      return award ? pricing.fromMicros(award.clearingMicros, 'down') : undefined;
    },
    get AUCTION_MBR() {
      return award ? marketBidRatio(award.clearingMicros, award.candidate.priceMicros) : undefined;
    },
    get AUCTION_MIN_TO_WIN() {
      const micros = award ? award.minToWinMicros : loss!.minToWinMicros;
      return micros === null ? undefined : pricing.fromMicros(micros, 'up');
    },
  };
}

/**
 * `${AUCTION_MBR}`: clearing price / bid price as a decimal with at most 6 places, rounded down, computed in
 * integers (`900000 / 1000000` → `"0.9"`). Blank when the bid price is zero.
 */
export function marketBidRatio(clearingMicros: Micros, bidMicros: Micros): string | undefined {
  if (!(bidMicros > 0)) return undefined;
  const scaled = scaledQuotient(clearingMicros, bidMicros);
  const whole = scaled / 1_000_000n;
  const fraction = scaled % 1_000_000n;
  if (fraction === 0n) return String(whole);
  return `${whole}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}

/** ⌊numerator × 10⁶ / denominator⌋, exactly: in doubles while the product is a safe integer, else in BigInt. */
function scaledQuotient(numerator: number, denominator: number): bigint {
  const product = numerator * 1_000_000;
  if (!Number.isSafeInteger(product)) return (BigInt(numerator) * 1_000_000n) / BigInt(denominator);
  let quotient = Math.floor(product / denominator);
  // The division rounded to the nearest double: step back or on when that crossed an integer.
  if (quotient * denominator > product) quotient -= 1;
  else if ((quotient + 1) * denominator <= product) quotient += 1;
  return BigInt(quotient);
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}
