import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie format's version, the value's first field. */
const VERSION = '1';
/** Bytes of HMAC-SHA256 kept in the cookie (128 bits). */
const MAC_BYTES = 16;
const USER_ID = /^[A-Za-z0-9_-]{22}$/;
const BASE36 = /^[0-9a-z]{1,11}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A sync tag: the keyword a bidder binds under (config `bidders.NAME.syncTag`). */
export const SYNC_TAG = /^[A-Za-z0-9_-]{1,32}$/;
/** Bound data (R9): 1 to 27 printable ASCII characters. */
export const SYNC_DATA = /^[\x20-\x7e]{1,27}$/;
/** What the cookie holds for a tag: data bound through `/sync` ({@link SYNC_DATA}), or a uid through `/setuid` (up to 128). */
export const BOUND_DATA = /^[\x20-\x7e]{1,128}$/;

/** What the exchange's identity cookie holds for one browser. */
export interface IdentityState {
  /** The exchange's stable, random id for the browser (22 base64url characters). */
  readonly userId: string;
  /** Data bound by partners, by sync tag. */
  readonly bindings: ReadonlyMap<string, string>;
  /** When the value stops being accepted, in seconds since the epoch. */
  readonly expiresAt: number;
}

/** A fresh random exchange user id: 16 random bytes, base64url (22 characters). */
export function newUserId(): string {
  return randomBytes(16).toString('base64url');
}

function mac(secret: string, signed: string): Buffer {
  return createHmac('sha256', secret).update(signed).digest().subarray(0, MAC_BYTES);
}

/**
 * Writes the identity cookie's value: `1.USERID.EXPIRES.BINDINGS.MAC`, where EXPIRES is the expiry in seconds
 * since the epoch in base 36, BINDINGS is base64url of `tag:data` entries joined by `\n` (tags cannot hold `:`,
 * data cannot hold `\n`), and MAC is base64url of the first 16 bytes of HMAC-SHA256(secret, everything before
 * the last dot). Every character is cookie-safe, so the value needs no quoting.
 */
export function encodeIdentity(state: IdentityState, secret: string): string {
  const entries = [...state.bindings].map(([tag, data]) => `${tag}:${data}`).join('\n');
  const signed = [VERSION, state.userId, state.expiresAt.toString(36), Buffer.from(entries, 'latin1').toString('base64url')].join('.');
  return `${signed}.${mac(secret, signed).toString('base64url')}`;
}

/**
 * Reads an identity cookie's value. Returns undefined for anything the exchange did not write with `secret`
 * (forged or altered fields, another key, another format) and for a value expired at `nowSeconds`.
 */
export function decodeIdentity(value: string, secret: string, nowSeconds: number): IdentityState | undefined {
  const fields = value.split('.');
  if (fields.length !== 5) return undefined;
  const [version, userId, expires, bindings, macField] = fields as [string, string, string, string, string];
  if (version !== VERSION || !USER_ID.test(userId) || !BASE36.test(expires) || !BASE64URL.test(bindings) || !BASE64URL.test(macField)) return undefined;
  const given = Buffer.from(macField, 'base64url');
  const expected = mac(secret, fields.slice(0, 4).join('.'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expiresAt = parseInt(expires, 36);
  if (expiresAt <= nowSeconds) return undefined;
  const map = new Map<string, string>();
  const text = Buffer.from(bindings, 'base64url').toString('latin1');
  for (const entry of text ? text.split('\n') : []) {
    const colon = entry.indexOf(':');
    const [bindingTag, data] = [entry.slice(0, colon), entry.slice(colon + 1)];
    if (colon < 0 || !SYNC_TAG.test(bindingTag) || !BOUND_DATA.test(data)) return undefined;
    map.set(bindingTag, data);
  }
  return { userId, bindings: map, expiresAt };
}
