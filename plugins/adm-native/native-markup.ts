import { expandMacros, LossReason, type LossReasonCode, type MacroValues } from '../../core/index.js';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** How the bidder wrote its Native response: a JSON string or an object, with or without the pre-1.1 `{"native": …}` root. */
export interface NativeShape {
  readonly encoding: 'string' | 'object';
  readonly root: boolean;
}

/** A Native 1.0–1.2 response read from `adm`, or why it is unusable (with the loss reason to reject it with). */
export type NativeReading =
  | { readonly ok: true; readonly response: JsonObject; readonly shape: NativeShape }
  | { readonly ok: false; readonly code: LossReasonCode; readonly reason: string };

/** Unwraps the pre-1.1 root: `{"native": {…}}` with nothing of a response beside it. */
function unwrap(value: JsonObject): { response: JsonObject; root: boolean } {
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'native' && isObject(value.native)) return { response: value.native, root: true };
  return { response: value, root: false };
}

/**
 * Reads a Native response from `adm`, as a JSON string or an object, with or without the `native` root.
 * Markup that is not JSON is rejected with loss reason 3; JSON that is not a response object (or whose
 * `link` is not an object, or whose `assets`/`eventtrackers`/`imptrackers` are not arrays) with 204.
 */
export function readNative(adm: unknown): NativeReading {
  let value: unknown = adm;
  const encoding = typeof adm === 'string' ? 'string' : 'object';
  if (typeof adm === 'string') {
    try {
      value = JSON.parse(adm);
    } catch (error) {
      return { ok: false, code: LossReason.invalidBidResponse, reason: `Native markup is not JSON: ${(error as Error).message}` };
    }
  }
  if (!isObject(value)) return { ok: false, code: LossReason.incorrectCreativeFormat, reason: 'Native markup is not a JSON object' };
  const { response, root } = unwrap(value);
  if (response.link !== undefined && !isObject(response.link)) return { ok: false, code: LossReason.incorrectCreativeFormat, reason: 'Native link is not an object' };
  for (const key of ['assets', 'eventtrackers', 'imptrackers']) {
    if (response[key] !== undefined && !Array.isArray(response[key])) return { ok: false, code: LossReason.incorrectCreativeFormat, reason: `Native ${key} is not an array` };
  }
  return { ok: true, response, shape: { encoding, root } };
}

/**
 * Whether the imp's Native request lets the exchange put its impression tracker in `eventtrackers`: the
 * request (1.2) lists an event tracker for event 1 (impression) with method 1 (image pixel).
 */
export function requestAllowsImageEventTracker(request: unknown): boolean {
  let value: unknown = request;
  if (typeof request === 'string') {
    try {
      value = JSON.parse(request);
    } catch {
      return false;
    }
  }
  if (!isObject(value)) return false;
  const { response: nativeRequest } = unwrap(value);
  const trackers = nativeRequest.eventtrackers;
  return Array.isArray(trackers) && trackers.some((tracker) =>
    isObject(tracker) && tracker.event === 1 && Array.isArray(tracker.methods) && tracker.methods.includes(1));
}

/** The exchange's tracker URLs for one won Native ad, and where the impression tracker goes. */
export interface NativeTrackers {
  readonly impression: string;
  readonly click: string;
  /** Put the impression tracker in `eventtrackers` (event 1, method 1) rather than `imptrackers`. */
  readonly useEventTrackers: boolean;
}

/** Macro values escaped for the inside of a JSON string. */
function jsonSafeValues(values: MacroValues): MacroValues {
  const safe: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) safe[name] = value === undefined ? undefined : JSON.stringify(value).slice(1, -1);
  return safe;
}

const withClickTracker = (link: JsonObject, url: string): JsonObject => ({
  ...link,
  clicktrackers: [...(Array.isArray(link.clicktrackers) ? link.clicktrackers : []), url],
});

/**
 * Rewrites a winner's Native markup: OpenRTB macros expanded in its JSON text (T4), the exchange's impression
 * tracker added to `eventtrackers` or `imptrackers` (the bidder's own kept), and its click tracker to
 * `link.clicktrackers` and to the `clicktrackers` of every asset's own link (an asset link replaces the main
 * link when that asset is clicked). Returns the shape the bidder sent: a string for a string, an object for
 * an object, with the `native` root when it had one; or the reason it is not a Native response.
 */
export function rewriteNative(adm: string | object, macros: MacroValues, trackers: NativeTrackers): { ok: true; adm: string | object } | { ok: false; reason: string } {
  const text = typeof adm === 'string' ? adm : JSON.stringify(adm);
  const expanded = expandMacros(text, jsonSafeValues(macros));
  const reading = readNative(typeof adm === 'string' ? expanded : JSON.parse(expanded));
  if (!reading.ok) return { ok: false, reason: reading.reason };
  const { response, shape } = reading;
  const rewritten: JsonObject = { ...response };
  if (trackers.useEventTrackers) {
    rewritten.eventtrackers = [...((response.eventtrackers as unknown[] | undefined) ?? []), { event: 1, method: 1, url: trackers.impression }];
  } else {
    rewritten.imptrackers = [...((response.imptrackers as unknown[] | undefined) ?? []), trackers.impression];
  }
  if (isObject(response.link)) rewritten.link = withClickTracker(response.link, trackers.click);
  if (Array.isArray(response.assets)) {
    rewritten.assets = response.assets.map((asset) => (isObject(asset) && isObject(asset.link) ? { ...asset, link: withClickTracker(asset.link, trackers.click) } : asset));
  }
  const whole = shape.root ? { native: rewritten } : rewritten;
  return { ok: true, adm: shape.encoding === 'string' ? JSON.stringify(whole) : whole };
}
