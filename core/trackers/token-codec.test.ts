import { describe, expect, it } from 'vitest';
import { impressionKey, TrackerTokenCodec, type TrackerClaim } from './token-codec.js';

const NOW = 1_700_000_000_000;
const claim: TrackerClaim = {
  kind: 'impression', auctionId: 'auc-1', auctionStartedAt: NOW - 5, bidder: 'dsp', bidId: 'b1', impId: '1',
  clearingMicros: 1_510_000, expiresAt: NOW + 3_600_000, burl: 'https://dsp.example/bill?p=1.51&ts=${AUCTION_IMP_TS}',
};
const codec = new TrackerTokenCodec('unit-test-secret-0123456789');

describe('tracker tokens', () => {
  it('round-trips a claim; the token is URL-safe and does not reveal the price or the burl', () => {
    const token = codec.seal(claim);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toMatch(/1\.51|1510000|dsp\.example/);
    expect(codec.open(token, 'impression', NOW)).toEqual({ ok: true, claim });
    const click = { ...claim, kind: 'click' as const, burl: undefined, destination: 'https://land.example/' };
    const { burl: _burl, ...withoutBurl } = click;
    expect(codec.open(codec.seal(withoutBurl), 'click', NOW)).toEqual({ ok: true, claim: withoutBurl });
  });

  it('two seals of one claim differ (random IV)', () => {
    expect(codec.seal(claim)).not.toBe(codec.seal(claim));
  });

  it('every single changed byte is detected', () => {
    const bytes = Buffer.from(codec.seal(claim), 'base64url');
    for (let i = 1; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i] ^= 0x01;
      expect(codec.open(altered.toString('base64url'), 'impression', NOW), `byte ${i}`).toEqual({ ok: false, reason: 'forged' });
    }
  });

  it.each([
    ['another key', () => new TrackerTokenCodec('another-secret-0123456789').seal(claim), 'forged'],
    ['expired', () => codec.seal({ ...claim, expiresAt: NOW }), 'expired'],
    ['wrong kind', () => codec.seal({ ...claim, kind: 'click' }), 'wrong-kind'],
    ['truncated', () => codec.seal(claim).slice(0, 20), 'malformed'],
    ['unknown version', () => Buffer.concat([Buffer.of(2), Buffer.from(codec.seal(claim), 'base64url').subarray(1)]).toString('base64url'), 'malformed'],
    ['not base64url', () => `${codec.seal(claim)}=`, 'malformed'],
    ['empty', () => '', 'malformed'],
    ['too long', () => 'A'.repeat(10_000), 'malformed'],
  ])('refuses a token: %s', (_name, make, reason) => {
    expect(codec.open(make(), 'impression', NOW)).toEqual({ ok: false, reason });
  });

  it('the impression key is the same for every token of one award, and differs between awards', () => {
    expect(impressionKey(claim)).toBe(impressionKey({ ...claim, kind: 'click' } as TrackerClaim));
    expect(impressionKey(claim)).not.toBe(impressionKey({ ...claim, auctionStartedAt: claim.auctionStartedAt + 1 }));
    expect(impressionKey(claim)).not.toBe(impressionKey({ ...claim, impId: '2' }));
  });
});
