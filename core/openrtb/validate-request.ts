import { decimalToMicros, MAX_MICROS, microsToDecimal } from '../money.js';
import type { BidRequest } from './types.js';

/** Why an inbound BidRequest was refused: the JSON path of the bad field and what is wrong with it. */
export interface RequestProblem { field: string; message: string }

/** The outcome of {@link validateBidRequest}. */
export type RequestCheck = { ok: true; request: BidRequest } | { ok: false; problem: RequestProblem };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositiveInteger = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;
const MEDIA = ['banner', 'video', 'audio', 'native'] as const;
/**
 * The longest request and imp ids taken (characters): both go into every winner's impression tracker, which must
 * stay short enough to be honoured (`TrackerUrls.billable`). OpenRTB callers send UUIDs and short imp ids.
 */
export const MAX_REQUEST_ID_CHARS = 512;
export const MAX_IMP_ID_CHARS = 128;
/** The largest floor the exchange holds (integer micros), as the 400 answer states it. */
const MAX_FLOOR_TEXT = microsToDecimal(MAX_MICROS);

/**
 * Checks an inbound OpenRTB 2.6 BidRequest (`POST /openrtb2/auction`) before any bidder sees it, and names
 * the first bad field (`imp[1].bidfloor`). The request is otherwise passed through untouched.
 */
export function validateBidRequest(body: unknown): RequestCheck {
  const fail = (field: string, message: string): RequestCheck => ({ ok: false, problem: { field, message } });
  if (!isObject(body)) return fail('(body)', 'must be a JSON object');
  if (typeof body.id !== 'string' || body.id === '') return fail('id', 'required non-empty string');
  if (body.id.length > MAX_REQUEST_ID_CHARS) return fail('id', `at most ${MAX_REQUEST_ID_CHARS} characters`);
  if (!Array.isArray(body.imp) || body.imp.length === 0) return fail('imp', 'required non-empty array');
  const seen = new Set<string>();
  for (let i = 0; i < body.imp.length; i++) {
    const imp: unknown = body.imp[i];
    const at = `imp[${i}]`;
    if (!isObject(imp)) return fail(at, 'must be an object');
    if (typeof imp.id !== 'string' || imp.id === '') return fail(`${at}.id`, 'required non-empty string');
    if (imp.id.length > MAX_IMP_ID_CHARS) return fail(`${at}.id`, `at most ${MAX_IMP_ID_CHARS} characters`);
    if (seen.has(imp.id)) return fail(`${at}.id`, `duplicate imp id "${imp.id}"`);
    seen.add(imp.id);
    const media = MEDIA.filter((kind) => imp[kind] !== undefined);
    if (media.length === 0) return fail(at, 'needs one of banner, video, audio, native');
    for (const kind of media) if (!isObject(imp[kind])) return fail(`${at}.${kind}`, 'must be an object');
    if (imp.native !== undefined && typeof (imp.native as Record<string, unknown>).request !== 'string') {
      return fail(`${at}.native.request`, 'required string (the Native request as JSON text)');
    }
    if (imp.banner !== undefined) {
      const banner = imp.banner as Record<string, unknown>;
      for (const side of ['w', 'h'] as const) {
        if (banner[side] !== undefined && !isPositiveInteger(banner[side])) return fail(`${at}.banner.${side}`, 'must be a positive integer');
      }
      if (banner.format !== undefined && !Array.isArray(banner.format)) return fail(`${at}.banner.format`, 'must be an array');
    }
    if (imp.bidfloor !== undefined && !(typeof imp.bidfloor === 'number' && decimalToMicros(imp.bidfloor, 'up') !== null)) {
      return fail(`${at}.bidfloor`, `must be a non-negative number of at most ${MAX_FLOOR_TEXT} (CPM)`);
    }
    if (imp.bidfloorcur !== undefined && typeof imp.bidfloorcur !== 'string') return fail(`${at}.bidfloorcur`, 'must be a currency code string');
  }
  if (body.site !== undefined && !isObject(body.site)) return fail('site', 'must be an object');
  if (body.app !== undefined && !isObject(body.app)) return fail('app', 'must be an object');
  if (body.site !== undefined && body.app !== undefined) return fail('app', 'a request has site or app, not both');
  if (body.device !== undefined && !isObject(body.device)) return fail('device', 'must be an object');
  if (body.user !== undefined && !isObject(body.user)) return fail('user', 'must be an object');
  if (body.tmax !== undefined && !isPositiveInteger(body.tmax)) return fail('tmax', 'must be a positive integer (ms)');
  if (body.cur !== undefined && !(Array.isArray(body.cur) && body.cur.every((c) => typeof c === 'string'))) {
    return fail('cur', 'must be an array of currency codes');
  }
  if (body.test !== undefined && body.test !== 0 && body.test !== 1) return fail('test', 'must be 0 or 1');
  return { ok: true, request: body as BidRequest };
}
