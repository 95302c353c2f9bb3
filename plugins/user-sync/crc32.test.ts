import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

describe('crc32', () => {
  it.each([
    ['', 0],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('%j → %i (published check values)', (text, expected) => {
    expect(crc32(Buffer.from(text))).toBe(expected);
  });

  it('agrees with node:zlib crc32 on random input, and is unsigned', () => {
    for (let size = 1; size < 300; size += 7) {
      const bytes = randomBytes(size);
      const value = crc32(bytes);
      expect(value).toBe(zlib.crc32(bytes));
      expect(value).toBeGreaterThanOrEqual(0);
    }
  });
});
