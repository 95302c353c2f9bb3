import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bindingSignature, shortIp } from './signature.js';

describe('shortIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113'],
    ['10.0.0.1', '10.0.0'],
    ['::ffff:203.0.113.77', '203.0.113'],
    ['::FFFF:203.0.113.77', '203.0.113'],
    ['::ffff:cb00:714d', '203.0.113'],
    ['2001:db8::1', ''],
    ['::1', ''],
    ['', ''],
    ['256.1.2.3', ''],
    ['not an address', ''],
  ])('%j → %j', (ip, expected) => {
    expect(shortIp(ip)).toBe(expected);
  });
});

describe('bindingSignature', () => {
  it('is crc32 of short_ip, Referer, User-Agent, location, data and key concatenated without separators', () => {
    const parts = { shortIp: '203.0.113', referer: 'https://pub.example/a', userAgent: 'Mozilla/5.0', location: 'https://dsp.example/ok', data: 'user-42', key: 'k3y' };
    const expected = zlib.crc32('203.0.113https://pub.example/aMozilla/5.0https://dsp.example/okuser-42k3y');
    expect(bindingSignature(parts)).toBe(expected);
    expect(bindingSignature({ ...parts, data: 'user-43' })).not.toBe(expected);
  });

  it('counts empty parts as empty strings', () => {
    expect(bindingSignature({ shortIp: '', referer: '', userAgent: '', location: '', data: 'd', key: 'k' })).toBe(zlib.crc32('dk'));
  });
});
