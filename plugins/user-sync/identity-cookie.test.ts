import { describe, expect, it } from 'vitest';
import { decodeIdentity, encodeIdentity, newUserId, type IdentityState } from './identity-cookie.js';

const SECRET = 'unit-test-secret-0123456789';
const NOW = 1_750_000_000;
/** RFC 6265 cookie-octet: printable ASCII but space, DQUOTE, comma, semicolon and backslash. */
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

const state: IdentityState = {
  userId: newUserId(),
  bindings: new Map([['dspa', 'a-user-1'], ['dsp_b', 'A b;c,"d"\\e=f:g'], ['c-3', '~'.repeat(27)]]),
  expiresAt: NOW + 3600,
};

/** Replaces field `index` of an encoded value. */
const withField = (value: string, index: number, replacement: string) =>
  value.split('.').map((field, i) => (i === index ? replacement : field)).join('.');

describe('identity cookie', () => {
  it('round-trips the user id, every binding and the expiry, in cookie-safe characters', () => {
    const value = encodeIdentity(state, SECRET);
    expect(value).toMatch(COOKIE_OCTETS);
    expect(decodeIdentity(value, SECRET, NOW)).toEqual(state);
  });

  it('round-trips an identity without bindings', () => {
    const empty = { ...state, bindings: new Map<string, string>() };
    expect(decodeIdentity(encodeIdentity(empty, SECRET), SECRET, NOW)).toEqual(empty);
  });

  it('gives each browser a different 22-character id', () => {
    const ids = new Set(Array.from({ length: 50 }, newUserId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  const value = encodeIdentity(state, SECRET);
  it.each([
    ['another secret', encodeIdentity(state, 'another-secret-0123456789')],
    ['an altered user id', withField(value, 1, newUserId())],
    ['a later expiry', withField(value, 2, (NOW + 999_999).toString(36))],
    ['forged bindings', withField(value, 3, Buffer.from('dsp_b:stolen').toString('base64url'))],
    ['an altered MAC', withField(value, 4, Buffer.alloc(16).toString('base64url'))],
    ['another version', withField(value, 0, '2')],
    ['a missing field', value.split('.').slice(0, 4).join('.')],
    ['garbage', 'hello'],
    ['an empty value', ''],
  ])('ignores a value with %s', (_, forged) => {
    expect(decodeIdentity(forged, SECRET, NOW)).toBeUndefined();
  });

  it('ignores a value after its expiry', () => {
    expect(decodeIdentity(value, SECRET, state.expiresAt - 1)).toBeDefined();
    expect(decodeIdentity(value, SECRET, state.expiresAt)).toBeUndefined();
  });
});
