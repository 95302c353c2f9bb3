import { describe, expect, it } from 'vitest';
import { isHttpUrl } from './http-url.js';

describe('isHttpUrl', () => {
  it('accepts absolute http(s) URLs only, the same answer when asked again', () => {
    for (let round = 0; round < 2; round++) {
      expect(isHttpUrl('https://landing.example/ü?a=1#x')).toBe(true);
      expect(isHttpUrl('HTTP://landing.example')).toBe(true);
      expect(isHttpUrl('javascript:alert(1)')).toBe(false);
      expect(isHttpUrl('https://landing.example/ü?a=1#x')).toBe(true);
      expect(isHttpUrl('/relative')).toBe(false);
      expect(isHttpUrl('//protocol-relative.example/')).toBe(false);
      expect(isHttpUrl('https://exa mple/')).toBe(false);
      expect(isHttpUrl('ftp://files.example/')).toBe(false);
      expect(isHttpUrl('')).toBe(false);
    }
  });
});
