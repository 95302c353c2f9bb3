import { describe, expect, it } from 'vitest';
import type { Award } from '../auction/bids.js';
import type { AuctionContext } from '../auction/context.js';
import { SignedTrackerUrls } from './signed-tracker-urls.js';

const trackers = new SignedTrackerUrls('signed-tracker-urls test secret', 'https://ex.test', 3600, new Map());
const auction = { auctionId: 'auc-1', startedAt: Date.now() } as AuctionContext;

function awardWith(bid: Record<string, unknown>): Award {
  return {
    candidate: { bid: { id: 'bid-1', impid: '1', price: 2, ...bid }, seat: 's', priceMicros: 2_000_000, currency: 'USD', admFormat: 'html', bidder: 'dsp', arrival: 0 },
    clearingMicros: 1_250_000,
    minToWinMicros: 1_250_000,
  } as Award;
}

const tokenOf = (url: string) => new URL(url).searchParams.get('t')!;

describe('SignedTrackerUrls', () => {
  it('seals one impression token per award, which its click tokens carry', () => {
    const award = awardWith({ burl: 'https://dsp.example/bill?p=${AUCTION_PRICE}&ts=${AUCTION_IMP_TS}' });
    const impression = tokenOf(trackers.impression(auction, award));
    expect(tokenOf(trackers.impression(auction, award))).toBe(impression);
    const click = tokenOf(trackers.click(auction, award, 'https://landing.example/'));
    expect(Buffer.from(click, 'base64url').includes(Buffer.from(impression, 'base64url'))).toBe(true);

    const read = trackers.read(impression, 'impression');
    expect(read.ok && read.claim.burl).toBe('https://dsp.example/bill?p=1.25&ts=${AUCTION_IMP_TS}');
    const clicked = trackers.read(click, 'click');
    expect(clicked.ok && clicked.claim).toEqual({ ...(read.ok && read.claim), kind: 'click', burl: undefined, destination: 'https://landing.example/' });
    expect(clicked.ok && 'burl' in clicked.claim).toBe(false);

    // Another award, or the same award object in another auction: another seal.
    expect(tokenOf(trackers.impression(auction, awardWith({})))).not.toBe(impression);
    const later = { ...auction, auctionId: 'auc-2' } as AuctionContext;
    const other = trackers.read(tokenOf(trackers.click(later, award)), 'click');
    expect(other.ok && other.claim.auctionId).toBe('auc-2');
  });

  it('seals each click on its own when the impression token is long (a long burl), and it reads the same', () => {
    const award = awardWith({ burl: `https://dsp.example/bill?pad=${'x'.repeat(2_000)}` });
    const impression = tokenOf(trackers.impression(auction, award));
    const click = tokenOf(trackers.click(auction, award, 'https://landing.example/'));
    expect(click.length).toBeLessThan(impression.length);
    const read = trackers.read(click, 'click');
    expect(read.ok && read.claim).toMatchObject({ kind: 'click', auctionId: 'auc-1', clearingMicros: 1_250_000, destination: 'https://landing.example/' });
  });

  it('never signs a destination that is no absolute http(s) URL', () => {
    expect(() => trackers.click(auction, awardWith({}), 'javascript:alert(1)')).toThrow(TypeError);
    expect(() => trackers.click(auction, awardWith({}), '/relative')).toThrow(TypeError);
  });
});
