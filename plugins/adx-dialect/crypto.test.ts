import { describe, expect, it } from 'vitest';
import { RtbStartupError } from '../../core/index.js';
import { readVector } from '../../test/vectors.js';
import {
  cpmMicrosToCpiMicros,
  decodeWebSafeBase64,
  decryptAdxBytes,
  decryptWinningPrice,
  encryptAdxBytes,
  encryptWinningPrice,
  expandWinningPriceMacros,
  parsePriceKeys,
  type AdxPriceKeys,
} from './crypto.js';

/** Google's published examples and google/openrtb-doubleclick's test vectors (see test/vectors/README.md). */
const vectors = JSON.parse(readVector('adx-crypto/vectors.json'));

const keysOf = (encryption: string, integrity: string): AdxPriceKeys => ({
  encryptionKey: decodeWebSafeBase64(encryption)!,
  integrityKey: decodeWebSafeBase64(integrity)!,
});
const googleDoc = vectors.google_doc_price_examples;
const googleKeys = keysOf(googleDoc.encryption_key_websafe_b64, googleDoc.integrity_key_websafe_b64);
const library = vectors.openrtb_doubleclick_test_vectors;
const libraryKeys = keysOf(library.encryption_key_std_b64, library.integrity_key_std_b64);

describe('Google\'s published price examples', () => {
  it.each(googleDoc.cases as Array<{ ciphertext: string; plaintext_uint64_be: number; iv_ascii: string }>)(
    '$ciphertext decrypts to $plaintext_uint64_be and encrypts back byte for byte',
    ({ ciphertext, plaintext_uint64_be: price, iv_ascii: iv }) => {
      const decrypted = decryptWinningPrice(ciphertext, googleKeys);
      expect(decrypted).toMatchObject({ ok: true, cpiMicros: BigInt(price) });
      expect(decrypted.ok && decrypted.iv.toString('latin1')).toBe(iv);
      expect(encryptWinningPrice(price, googleKeys, Buffer.from(iv, 'latin1'))).toBe(ciphertext);
    },
  );
});

describe('google/openrtb-doubleclick DoubleClickCryptoTest vectors', () => {
  type Case = { kind: string; ciphertext_websafe_b64?: string; ciphertext_hex?: string; plaintext_hex?: string; plaintext_uint64_be?: number };
  const cases = (library.cases as Case[]).map((c) => [c.kind, c] as const);

  it.each(cases)('%s: decrypts to the plaintext, and encrypting it with the same iv gives the same bytes', (_, c) => {
    const ciphertext = c.ciphertext_hex ? Buffer.from(c.ciphertext_hex, 'hex') : decodeWebSafeBase64(c.ciphertext_websafe_b64!)!;
    const plaintext = c.plaintext_hex ? Buffer.from(c.plaintext_hex, 'hex') : Buffer.alloc(8);
    if (c.plaintext_uint64_be !== undefined) plaintext.writeBigUInt64BE(BigInt(c.plaintext_uint64_be));
    const decrypted = decryptAdxBytes(ciphertext, libraryKeys);
    expect(decrypted.ok).toBe(true);
    if (!decrypted.ok) return;
    expect(decrypted.plaintext.toString('hex')).toBe(plaintext.toString('hex'));
    expect(encryptAdxBytes(plaintext, libraryKeys, decrypted.iv).toString('hex')).toBe(ciphertext.toString('hex'));
  });

  it('the price vector (padded web-safe base64) is 1.2 in micros, with the documented iv', () => {
    const price = library.cases.find((c: { kind: string }) => c.kind === 'price');
    const decrypted = decryptWinningPrice(price.ciphertext_websafe_b64, libraryKeys);
    expect(decrypted).toMatchObject({ ok: true, cpiMicros: 1_200_000n });
    expect(decrypted.ok && decrypted.iv.toString('hex').toUpperCase()).toBe(library.iv_hex);
  });
});

describe('integrity', () => {
  it('the published integrity-failure case fails with either key pair', () => {
    expect(decryptWinningPrice(vectors.negative_case.ciphertext, googleKeys)).toEqual({ ok: false, reason: 'integrity check failed' });
    expect(decryptWinningPrice(vectors.negative_case.ciphertext, libraryKeys)).toEqual({ ok: false, reason: 'integrity check failed' });
  });

  it('any flipped bit fails, in the iv, the price or the signature', () => {
    const good = decodeWebSafeBase64(googleDoc.cases[0].ciphertext)!;
    for (let byte = 0; byte < good.length; byte++) {
      const bad = Buffer.from(good);
      bad[byte] ^= 0x01;
      expect(decryptAdxBytes(bad, googleKeys).ok).toBe(false);
    }
  });

  it('the other bidder\'s keys do not decrypt', () => {
    expect(decryptWinningPrice(googleDoc.cases[0].ciphertext, libraryKeys).ok).toBe(false);
  });

  it.each([['', 'an encrypted price is 28 bytes, not 0'], ['!!!', 'not base64'], ['YWJj', 'an encrypted price is 28 bytes, not 3']])('%j is refused: %s', (text, reason) => {
    expect(decryptWinningPrice(text, googleKeys)).toEqual({ ok: false, reason });
  });
});

describe('round trips', () => {
  it.each([0, 1, 1510, 999_999, 2 ** 53 - 1])('price %i with a fresh iv', (price) => {
    const text = encryptWinningPrice(price, googleKeys);
    expect(text).toMatch(/^[A-Za-z0-9_-]{38}$/);
    expect(decryptWinningPrice(text, googleKeys)).toMatchObject({ ok: true, cpiMicros: BigInt(price) });
  });

  it('values longer than one 20-byte pad block (counter blocks)', () => {
    const plaintext = Buffer.from(Array.from({ length: 57 }, (_, i) => i));
    const iv = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const ciphertext = encryptAdxBytes(plaintext, libraryKeys, iv);
    expect(ciphertext.length).toBe(16 + 57 + 4);
    expect(decryptAdxBytes(ciphertext, libraryKeys)).toMatchObject({ ok: true, plaintext });
  });
});

describe('units: CPM micros → CPI micros', () => {
  it.each([
    [0, 0],
    [999, 0],
    [1_000, 1],
    [1_999, 1],
    [1_200_000, 1_200],
    [1_710_000, 1_710],
    [1_234_567, 1_234],
  ])('%i CPM micros are %i CPI micros (rounded down)', (cpm, cpi) => {
    expect(cpmMicrosToCpiMicros(cpm)).toBe(cpi);
  });

  it('%%WINNING_PRICE%% and %%WINNING_PRICE_ESC%% become the encrypted CPI price, the same token for both', () => {
    const iv = Buffer.from('abc123def456ghi7', 'latin1');
    const text = expandWinningPriceMacros('<img src="https://dsp.example/i?p=%%WINNING_PRICE%%&e=%%WINNING_PRICE_ESC%%">', 100_000, googleKeys, iv);
    expect(text).toBe(`<img src="https://dsp.example/i?p=${googleDoc.cases[0].ciphertext}&e=${googleDoc.cases[0].ciphertext}">`);
    expect(expandWinningPriceMacros('no macro here', 100_000, googleKeys)).toBe('no macro here');
  });
});

describe('keys from config', () => {
  it('accepts Google\'s web-safe keys and standard base64 keys', () => {
    expect(parsePriceKeys('x', { encryptionKey: googleDoc.encryption_key_websafe_b64, integrityKey: googleDoc.integrity_key_websafe_b64 })).toEqual(googleKeys);
    expect(parsePriceKeys('x', { encryptionKey: library.encryption_key_std_b64, integrityKey: library.integrity_key_std_b64 })).toEqual(libraryKeys);
  });

  it.each([
    [undefined, /bidders\.x\.priceEncryption: needs/],
    [{ encryptionKey: 'c2hvcnQ', integrityKey: googleDoc.integrity_key_websafe_b64 }, /priceEncryption\.encryptionKey: must be the 32-byte key/],
    [{ encryptionKey: googleDoc.encryption_key_websafe_b64 }, /priceEncryption\.integrityKey: must be the 32-byte key/],
    [{ encryptionKey: '*not base64*', integrityKey: googleDoc.integrity_key_websafe_b64 }, /encryptionKey/],
  ])('refuses %j', (value, message) => {
    expect(() => parsePriceKeys('x', value)).toThrow(RtbStartupError);
    expect(() => parsePriceKeys('x', value)).toThrow(message);
  });
});
