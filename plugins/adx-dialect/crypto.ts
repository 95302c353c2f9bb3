import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Micros, RtbStartupError, scaleMicros } from '../../core/index.js';

/**
 * Google's encryption of values sent to AdX bidders (the winning price of `%%WINNING_PRICE%%`, advertising
 * ids, hyperlocal sets): ciphertext = iv(16) ‖ plaintext XOR pad ‖ signature(4), where the pad of the i-th
 * 20-byte block is HMAC-SHA1(e_key, iv) for i = 0 and HMAC-SHA1(e_key, iv ‖ byte(i)) after, and the
 * signature is HMAC-SHA1(i_key, plaintext ‖ iv)[0:4]. Transported as web-safe base64.
 */

/** One bidder's pair of 32-byte keys, as Google issues them (web-safe base64 in config). */
export interface AdxPriceKeys {
  readonly encryptionKey: Buffer;
  readonly integrityKey: Buffer;
}

/** A decryption's result: the plaintext and the iv, or why the ciphertext was refused. */
export type AdxDecryption =
  | { readonly ok: true; readonly plaintext: Buffer; readonly iv: Buffer }
  | { readonly ok: false; readonly reason: string };

const IV_BYTES = 16;
const SIGNATURE_BYTES = 4;
const BLOCK_BYTES = 20;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes base64 in either alphabet (web-safe `-_` or standard `+/`), padded or not; null when it is not base64. */
export function decodeWebSafeBase64(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!BASE64.test(trimmed) || trimmed.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Encodes bytes as unpadded web-safe base64 (RFC 3548 §4), the form AdX macros carry. */
export function encodeWebSafeBase64(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/**
 * Reads a bidder's `priceEncryption: { encryptionKey, integrityKey }` config (web-safe base64 of 32 bytes
 * each). Throws {@link RtbStartupError} naming the bad key.
 */
export function parsePriceKeys(bidder: string, value: unknown): AdxPriceKeys {
  const at = `bidders.${bidder}.priceEncryption`;
  if (typeof value !== 'object' || value === null) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', [`${at}: needs { encryptionKey, integrityKey }`]);
  const keys = value as Record<string, unknown>;
  const problems: string[] = [];
  const read = (name: 'encryptionKey' | 'integrityKey'): Buffer => {
    const bytes = typeof keys[name] === 'string' ? decodeWebSafeBase64(keys[name] as string) : null;
    if (!bytes || bytes.length !== 32) problems.push(`${at}.${name}: must be the 32-byte key in (web-safe) base64, as Google issues it`);
    return bytes ?? Buffer.alloc(0);
  };
  const parsed = { encryptionKey: read('encryptionKey'), integrityKey: read('integrityKey') };
  if (problems.length) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
  return parsed;
}

/** A fresh iv as Google builds them: seconds (4 bytes) ‖ microseconds (4 bytes) ‖ 8 random bytes. */
export function newIv(nowMs: number = Date.now()): Buffer {
  const iv = Buffer.alloc(IV_BYTES);
  iv.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 0);
  iv.writeUInt32BE((nowMs % 1000) * 1000, 4);
  randomBytes(8).copy(iv, 8);
  return iv;
}

function pad(keys: AdxPriceKeys, iv: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; i * BLOCK_BYTES < length; i++) {
    if (i > 255) throw new RangeError('value too long for AdX encryption');
    const hmac = createHmac('sha1', keys.encryptionKey).update(iv);
    if (i > 0) hmac.update(Buffer.from([i]));
    blocks.push(hmac.digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function signature(keys: AdxPriceKeys, plaintext: Buffer, iv: Buffer): Buffer {
  return createHmac('sha1', keys.integrityKey).update(plaintext).update(iv).digest().subarray(0, SIGNATURE_BYTES);
}

/** Encrypts `plaintext` with `iv` (16 bytes): iv ‖ plaintext XOR pad ‖ signature. */
export function encryptAdxBytes(plaintext: Buffer, keys: AdxPriceKeys, iv: Buffer): Buffer {
  if (iv.length !== IV_BYTES) throw new RangeError(`iv must be ${IV_BYTES} bytes`);
  const mask = pad(keys, iv, plaintext.length);
  const body = Buffer.alloc(plaintext.length);
  for (let i = 0; i < plaintext.length; i++) body[i] = plaintext[i] ^ mask[i];
  return Buffer.concat([iv, body, signature(keys, plaintext, iv)]);
}

/** Decrypts and checks the signature; a ciphertext that fails the integrity check is refused. */
export function decryptAdxBytes(ciphertext: Buffer, keys: AdxPriceKeys): AdxDecryption {
  if (ciphertext.length < IV_BYTES + SIGNATURE_BYTES) return { ok: false, reason: `ciphertext of ${ciphertext.length} bytes is too short` };
  const iv = ciphertext.subarray(0, IV_BYTES);
  const body = ciphertext.subarray(IV_BYTES, ciphertext.length - SIGNATURE_BYTES);
  const mask = pad(keys, iv, body.length);
  const plaintext = Buffer.alloc(body.length);
  for (let i = 0; i < body.length; i++) plaintext[i] = body[i] ^ mask[i];
  if (!timingSafeEqual(signature(keys, plaintext, iv), ciphertext.subarray(ciphertext.length - SIGNATURE_BYTES))) {
    return { ok: false, reason: 'integrity check failed' };
  }
  return { ok: true, plaintext, iv: Buffer.from(iv) };
}

/**
 * A winning price as AdX bidders receive it in `%%WINNING_PRICE%%`: the price (an unsigned 64-bit big-endian
 * integer of CPI micros, see {@link cpmMicrosToCpiMicros}) encrypted, as unpadded web-safe base64 (38 chars).
 */
export function encryptWinningPrice(cpiMicros: number | bigint, keys: AdxPriceKeys, iv: Buffer = newIv()): string {
  const plaintext = Buffer.alloc(8);
  plaintext.writeBigUInt64BE(BigInt(cpiMicros));
  return encodeWebSafeBase64(encryptAdxBytes(plaintext, keys, iv));
}

/** Decrypts a `%%WINNING_PRICE%%` value (either base64 alphabet, padded or not) back to CPI micros. */
export function decryptWinningPrice(text: string, keys: AdxPriceKeys): { ok: true; cpiMicros: bigint; iv: Buffer } | { ok: false; reason: string } {
  const bytes = decodeWebSafeBase64(text);
  if (!bytes) return { ok: false, reason: 'not base64' };
  if (bytes.length !== IV_BYTES + 8 + SIGNATURE_BYTES) return { ok: false, reason: `an encrypted price is 28 bytes, not ${bytes.length}` };
  const result = decryptAdxBytes(bytes, keys);
  return result.ok ? { ok: true, cpiMicros: result.plaintext.readBigUInt64BE(), iv: result.iv } : result;
}

/**
 * The exchange's CPM micros as Google's price unit, CPI micros (micros per single impression): CPM micros
 * divided by 1000, rounded down, so a bidder is never told it paid more than it did (1,710,000 → 1710).
 */
export function cpmMicrosToCpiMicros(micros: Micros): number {
  return scaleMicros(micros, 1, 1000, 'down');
}

/**
 * Replaces `%%WINNING_PRICE%%` and `%%WINNING_PRICE_ESC%%` in markup or a notice URL with the encrypted
 * clearing price. For `admRewrite` and for notice code: `clearingMicros` is the exchange's CPM micros. Every
 * occurrence in one text gets the same ciphertext (one iv).
 */
export function expandWinningPriceMacros(text: string, clearingMicros: Micros, keys: AdxPriceKeys, iv: Buffer = newIv()): string {
  if (!text.includes('%%WINNING_PRICE')) return text;
  const price = encryptWinningPrice(cpmMicrosToCpiMicros(clearingMicros), keys, iv);
  return text.replaceAll('%%WINNING_PRICE_ESC%%', encodeURIComponent(price)).replaceAll('%%WINNING_PRICE%%', price);
}
