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
    expect(() => trackers.clicks(auction, awardWith({}), ['https://landing.example/', 'javascript:alert(1)'])).toThrow(TypeError);
  });

  const versionOf = (url: string) => Buffer.from(tokenOf(url), 'base64url')[0];
  const destinationOf = (url: string) => {
    const read = trackers.read(tokenOf(url), 'click');
    if (!read.ok) throw new Error(read.reason);
    return read.claim.destination;
  };

  it('clicks() first: the destinations are listed in the impression token, and each click URL is that token and an index', () => {
    const award = awardWith({ burl: 'https://dsp.example/bill?p=${AUCTION_PRICE}' });
    const destinations = ['https://landing.example/a', undefined, 'https://landing.example/b', 'https://landing.example/a'];
    const urls = trackers.clicks(auction, award, destinations);
    const impression = tokenOf(trackers.impression(auction, award));
    expect(urls.map(versionOf)).toEqual([5, 5, 5, 5]);
    expect(urls.map((url) => tokenOf(url).slice(4))).toEqual([impression, impression, impression, impression]);
    expect(urls.map(destinationOf)).toEqual(destinations);
    expect(urls[3]).toBe(urls[0]);
    // Later clicks of the award: listed ones as before, others signed one by one.
    expect(trackers.click(auction, award, 'https://landing.example/b')).toBe(urls[2]);
    const other = trackers.click(auction, award, 'https://other.example/');
    expect([versionOf(other), destinationOf(other)]).toEqual([3, 'https://other.example/']);
    const read = trackers.read(impression, 'impression');
    expect(read.ok && read.claim.burl).toBe('https://dsp.example/bill?p=1.25');
  });

  it('clicks() after the award\'s impression token was sealed: each click is signed on its own, and reads the same', () => {
    const award = awardWith({});
    trackers.impression(auction, award);
    const urls = trackers.clicks(auction, award, ['https://landing.example/a', undefined]);
    expect(urls.map(versionOf)).toEqual([3, 3]);
    expect(urls.map(destinationOf)).toEqual(['https://landing.example/a', undefined]);
  });

  const long = (name: string, length: number) => `https://landing.example/${name}?pad=`.padEnd(length, 'x');

  it('lists destinations up to 768 characters with the burl; the others are signed one by one', () => {
    const withBurl = trackers.clicks(auction, awardWith({ burl: long('burl', 500) }), [long('a', 269), long('b', 268)]);
    expect(withBurl.map(versionOf)).toEqual([3, 5]);
    expect(withBurl.map(destinationOf)).toEqual([long('a', 269), long('b', 268)]);
  });

  it('lists destinations while their characters, times the URLs that carry them all, stay within 2,048', () => {
    // Four of 100 characters in five URLs (the impression's and four clicks') make 2,000; a fifth would make 3,000.
    const destinations = Array.from({ length: 8 }, (_, i) => long(`${i}`, 100));
    const urls = trackers.clicks(auction, awardWith({}), [...destinations, long('short', 30)]);
    expect(urls.map(versionOf)).toEqual([5, 5, 5, 5, 3, 3, 3, 3, 3]);
    expect(urls.map(destinationOf)).toEqual([...destinations, long('short', 30)]);
    // The bound itself: two of 652 + 30 characters in three URLs make 2,046; of 653 + 30, 2,049.
    expect(long('b', 30)).toHaveLength(30);
    expect(trackers.clicks(auction, awardWith({}), [long('a', 652), long('b', 30)]).map(versionOf)).toEqual([5, 5]);
    expect(trackers.clicks(auction, awardWith({}), [long('a', 653), long('b', 30)]).map(versionOf)).toEqual([5, 3]);
  });

  it('with listClicks off (a rolling upgrade\'s first step) mints only versions 1 and 3, which older exchanges read', () => {
    const unlisted = new SignedTrackerUrls('signed-tracker-urls test secret', 'https://ex.test', 3600, new Map(), false);
    const award = awardWith({ burl: 'https://dsp.example/bill?p=${AUCTION_PRICE}' });
    const urls = unlisted.clicks(auction, award, ['https://landing.example/a', undefined]);
    expect(urls.map(versionOf)).toEqual([3, 3]);
    expect(versionOf(unlisted.impression(auction, award))).toBe(1);
    // The same key reads them whichever way they were minted.
    expect(urls.map(destinationOf)).toEqual(['https://landing.example/a', undefined]);
  });

  it('a page-decided offer\'s token carries its nurl, expanded at the award\'s price; not with listClicks off, which older exchanges could not read', () => {
    const pageDecided = { ...auction, auctionId: 'auc-page', pageDecides: true } as AuctionContext;
    const award = awardWith({ nurl: 'https://dsp.example/win?p=${AUCTION_PRICE}' });
    const read = trackers.read(tokenOf(trackers.impression(pageDecided, award)), 'impression');
    expect(read.ok && read.claim.nurl).toBe('https://dsp.example/win?p=1.25');
    // The exchange decided: the nurl went at the auction and is not in the token.
    const decided = trackers.read(tokenOf(trackers.impression(auction, awardWith({ nurl: 'https://dsp.example/win' }))), 'impression');
    expect(decided.ok && decided.claim.nurl).toBe(undefined);
    const unlisted = new SignedTrackerUrls('signed-tracker-urls test secret', 'https://ex.test', 3600, new Map(), false);
    const old = unlisted.read(tokenOf(unlisted.impression(pageDecided, awardWith({ nurl: 'https://dsp.example/win' }))), 'impression');
    expect(old.ok && old.claim.nurl).toBe(undefined);
  });
});
