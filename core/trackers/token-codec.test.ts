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

  it('a page-decided offer\'s nurl round-trips in every impression layout (with or without burl and listed clicks), never in its clicks', () => {
    const nurl = 'https://dsp.example/win?p=1.51';
    const { burl: _burl, ...noBurl } = claim;
    for (const base of [claim, noBurl] as TrackerClaim[]) {
      const offer = { ...base, kind: 'impression' as const, nurl };
      expect(codec.open(codec.seal(offer), 'impression', NOW)).toEqual({ ok: true, claim: offer });
      const plain = codec.sealImpression(offer);
      expect(codec.open(plain.token, 'impression', NOW)).toEqual({ ok: true, claim: offer });
      const listed = codec.sealImpression(offer, ['https://land.example/a', undefined]);
      expect(codec.open(listed.token, 'impression', NOW)).toEqual({ ok: true, claim: offer });
      const click = codec.open(codec.clickToken(listed, 'https://land.example/a'), 'click', NOW);
      expect(click.ok && click.claim.nurl).toBe(undefined);
      expect(click.ok && click.claim.destination).toBe('https://land.example/a');
      const signed = codec.open(codec.clickToken(plain, 'https://elsewhere.example/'), 'click', NOW);
      expect(signed.ok && [signed.claim.nurl, signed.claim.burl]).toEqual([undefined, undefined]);
    }
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

describe('click tokens (one sealed impression token per award, an HMAC per click)', () => {
  const { burl: _burl, ...award } = claim;
  const impression = codec.sealImpression({ ...claim, kind: 'impression' });
  const destination = 'https://landing.example/ü?a=1&b=%C3%A4#top';

  it('reads back as the award\'s claim, kind click, with its destination and without the burl', () => {
    expect(impression.token).toBe(impression.bytes.toString('base64url'));
    expect(codec.open(impression.token, 'impression', NOW)).toEqual({ ok: true, claim });
    expect(codec.open(codec.clickToken(impression, destination), 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click', destination } });
    expect(codec.open(codec.clickToken(impression), 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click' } });
  });

  it('keeps the price and the burl encrypted; carries the impression token as is', () => {
    const token = codec.clickToken(impression, destination);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes.toString('latin1')).not.toMatch(/1\.51|1510000|dsp\.example/);
    expect(bytes.includes(impression.bytes)).toBe(true);
  });

  it('every single changed byte is detected, in the impression token inside too', () => {
    const bytes = Buffer.from(codec.clickToken(impression, destination), 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i] ^= 0x01;
      const reading = codec.open(altered.toString('base64url'), 'click', NOW);
      // The first byte is the version: another version reads the rest as another layout.
      expect(reading.ok, `byte ${i}`).toBe(false);
      if (i > 0) expect(reading, `byte ${i}`).toEqual({ ok: false, reason: 'forged' });
    }
  });

  it.each([
    ['another key', () => new TrackerTokenCodec('another-secret-0123456789').clickToken(impression, destination), 'click', 'forged'],
    ['expired with its award', () => codec.clickToken(codec.sealImpression({ ...claim, kind: 'impression', expiresAt: NOW }), destination), 'click', 'expired'],
    ['a click token at the impression tracker', () => codec.clickToken(impression, destination), 'impression', 'wrong-kind'],
    ['an impression token at the click tracker', () => impression.token, 'click', 'wrong-kind'],
    ['truncated', () => codec.clickToken(impression, destination).slice(0, 40), 'click', 'malformed'],
    ['a length past the end', () => {
      const bytes = Buffer.from(codec.clickToken(impression, destination), 'base64url');
      bytes.writeUInt16BE(bytes.length, 1);
      return bytes.toString('base64url');
    }, 'click', 'forged'],
    // Authentic wrappers the exchange never makes: around a click claim, or with a destination it would refuse.
    ['around a sealed click claim', () => {
      const bytes = Buffer.from(codec.seal({ ...award, kind: 'click' }), 'base64url');
      return codec.clickToken({ token: bytes.toString('base64url'), bytes, clicks: [] }, destination);
    }, 'click', 'malformed'],
    ['a destination that is no http(s) URL', () => codec.clickToken(impression, 'javascript:alert(1)'), 'click', 'malformed'],
  ] as const)('refuses: %s', (_name, make, kind, reason) => {
    expect(codec.open(make(), kind, NOW)).toEqual({ ok: false, reason });
  });

  it('still reads version-1 click tokens (sealed by an exchange before this format)', () => {
    const sealed = codec.seal({ ...award, kind: 'click', destination });
    expect(codec.open(sealed, 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click', destination } });
  });
});

describe('listed clicks (a version-4 impression token listing its award\'s destinations, version-5 click tokens)', () => {
  const { burl: _burl, ...award } = claim;
  const first = 'https://landing.example/first?a=1';
  const second = 'https://landing.example/ü/second';
  const impression = codec.sealImpression({ ...claim, kind: 'impression' }, [first, undefined, second]);
  const bytesOf = (token: string) => Buffer.from(token, 'base64url');

  it('reads back as the award\'s impression, and each listed click as its destination (or a recorded-only click)', () => {
    expect(bytesOf(impression.token)[0]).toBe(4);
    expect(codec.open(impression.token, 'impression', NOW)).toEqual({ ok: true, claim });
    expect(codec.open(codec.clickToken(impression, first), 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click', destination: first } });
    expect(codec.open(codec.clickToken(impression), 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click' } });
    expect(codec.open(codec.clickToken(impression, second), 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click', destination: second } });
  });

  it('a listed click token is its version and index, then the impression token as is; price and destinations stay encrypted', () => {
    const token = codec.clickToken(impression, second);
    expect(token).toBe(`${Buffer.of(5, 0, 2).toString('base64url')}${impression.token}`);
    expect(bytesOf(token).subarray(0, 3)).toEqual(Buffer.of(5, 0, 2));
    expect(bytesOf(token).toString('latin1')).not.toMatch(/1\.51|1510000|dsp\.example|landing/);
  });

  it('a destination the token does not list is signed with an HMAC around it (version 3)', () => {
    const other = 'https://elsewhere.example/';
    const token = codec.clickToken(impression, other);
    expect(bytesOf(token)[0]).toBe(3);
    expect(codec.open(token, 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click', destination: other } });
  });

  it('every single changed byte of the impression token inside is detected', () => {
    const bytes = bytesOf(codec.clickToken(impression, first));
    for (let i = 4; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i] ^= 0x01;
      expect(codec.open(altered.toString('base64url'), 'click', NOW), `byte ${i}`).toEqual({ ok: false, reason: 'forged' });
    }
  });

  it('an index names one of the listed clicks only: another index in range is another of the award\'s own clicks', () => {
    const withIndex = (index: number) => {
      const bytes = bytesOf(codec.clickToken(impression, first));
      bytes.writeUInt16BE(index, 1);
      return bytes.toString('base64url');
    };
    expect(codec.open(withIndex(2), 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click', destination: second } });
    expect(codec.open(withIndex(3), 'click', NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(codec.open(withIndex(0xffff), 'click', NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  const otherCodec = new TrackerTokenCodec('another-secret-0123456789');
  it.each([
    ['another key', () => otherCodec.clickToken(otherCodec.sealImpression({ ...claim, kind: 'impression' }, [first]), first), 'click', 'forged'],
    ['expired with its award', () => codec.clickToken(codec.sealImpression({ ...claim, kind: 'impression', expiresAt: NOW }, [first]), first), 'click', 'expired'],
    ['a listed click token at the impression tracker', () => codec.clickToken(impression, first), 'impression', 'wrong-kind'],
    ['a listing impression token at the click tracker', () => impression.token, 'click', 'wrong-kind'],
    ['truncated', () => codec.clickToken(impression, first).slice(0, 40), 'click', 'malformed'],
    ['only its version and index', () => codec.clickToken(impression, first).slice(0, 4), 'click', 'malformed'],
    ['around a version-1 token', () => `${Buffer.of(5, 0, 0).toString('base64url')}${codec.sealImpression({ ...claim, kind: 'impression' }).token}`, 'click', 'malformed'],
    ['around another version-5 token', () => `${Buffer.of(5, 0, 0).toString('base64url')}${codec.clickToken(impression, first)}`, 'click', 'malformed'],
    // Authentic, but listing what the exchange never lists.
    ['a listed destination that is no http(s) URL', () => {
      const listed = codec.sealImpression({ ...claim, kind: 'impression' }, ['javascript:alert(1)']);
      return codec.clickToken(listed, 'javascript:alert(1)');
    }, 'click', 'malformed'],
  ] as const)('refuses: %s', (_name, make, kind, reason) => {
    expect(codec.open(make(), kind, NOW)).toEqual({ ok: false, reason });
  });

  it('lists at most 65,536 clicks (the index is 16 bits)', () => {
    expect(() => codec.sealImpression({ ...claim, kind: 'impression' }, new Array<undefined>(0x1_0001).fill(undefined))).toThrow(RangeError);
  });
});

describe('tokens minted before listed clicks (a rolling deploy has them in flight)', () => {
  const { burl: _burl, ...award } = claim;
  // Minted by the exchange before versions 4 and 5 existed, with `codec`'s secret, from `claim`.
  const v1Impression = 'AcPIof-C3ycWAAAAAGr6EkW4c6yiYqK28A2qdnfmhKEYfYBBtfDlnsfGzztNrs04RFSeNe87xFqpYje5yaB7YyMu6nQMcmOpvg3q_pGiW9f9x_8ngHhTVnauK9TpvYM5eeEn0wftAVjaH6PE5_xFHYZOu7LjRp_dRJ0kdGag7JFG5TW9lK9egM4ZY-26D50-Vw';
  const v3Click = 'AwCRAcPIof-C3ycWAAAAAGr6EkW4c6yiYqK28A2qdnfmhKEYfYBBtfDlnsfGzztNrs04RFSeNe87xFqpYje5yaB7YyMu6nQMcmOpvg3q_pGiW9f9x_8ngHhTVnauK9TpvYM5eeEn0wftAVjaH6PE5_xFHYZOu7LjRp_dRJ0kdGag7JFG5TW9lK9egM4ZY-26D50-V2h0dHBzOi8vbGFuZGluZy5leGFtcGxlL2HrImBdZRMsW9SwFsWhbi7T';
  const v3RecordOnly = 'AwCRAcPIof-C3ycWAAAAAGr6EkW4c6yiYqK28A2qdnfmhKEYfYBBtfDlnsfGzztNrs04RFSeNe87xFqpYje5yaB7YyMu6nQMcmOpvg3q_pGiW9f9x_8ngHhTVnauK9TpvYM5eeEn0wftAVjaH6PE5_xFHYZOu7LjRp_dRJ0kdGag7JFG5TW9lK9egM4ZY-26D50-VzZkyg1t0a92Os-aYNmRsQ0';

  it('still open', () => {
    expect(codec.open(v1Impression, 'impression', NOW)).toEqual({ ok: true, claim });
    expect(codec.open(v3Click, 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click', destination: 'https://landing.example/a' } });
    expect(codec.open(v3RecordOnly, 'click', NOW)).toEqual({ ok: true, claim: { ...award, kind: 'click' } });
  });
});
