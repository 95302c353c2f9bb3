import { describe, expect, it } from 'vitest';
import { type AuctionNoticeEvent, type Award, DecimalCpmPricing, type Loss, type ValidBid } from '../../core/index.js';
import { auctionContextFor } from '../../core/testing/index.js';
import { auctionNotices } from './auction-notices.js';

const pricing = new DecimalCpmPricing();

/** An auction where `winner` won with a nurl and `losers` lost, each loss with an lurl. */
function event(winner: string, losers: string[]): AuctionNoticeEvent {
  const candidate = (bidder: string, i: number): ValidBid => ({
    bidder, arrival: i, priceMicros: 1_000_000, currency: 'USD', admFormat: 'html',
    bid: { id: `b${i}`, impid: '1', price: 1, adm: 'x', nurl: `https://${bidder}.example/win?${i}`, lurl: `https://${bidder}.example/loss?${i}` },
  });
  const awards: Award[] = [{ candidate: candidate(winner, 0), clearingMicros: 900_000, minToWinMicros: 900_000 }];
  const losses: Loss[] = losers.map((bidder, i) => ({ candidate: candidate(bidder, i + 1), code: 102, minToWinMicros: 900_000 }));
  return { type: 'auction', auction: auctionContextFor({ 1: 0 }), outcome: { awards, losses }, bidders: [] };
}

describe('auctionNotices within limits.noticesPerAuction and noticesPerBidder', () => {
  it('sends every notice within the limits', () => {
    const { owed, unsent } = auctionNotices(event('a', ['b', 'c']), () => pricing, { perAuction: 3, perBidder: 1 });
    expect(owed.map(({ kind, bidder }) => `${kind}:${bidder}`)).toEqual(['nurl:a', 'lurl:b', 'lurl:c']);
    expect(unsent).toBe(0);
  });

  it('caps what goes to one bidder: its first notices go, the rest are counted as unsent', () => {
    const { owed, unsent } = auctionNotices(event('a', ['b', 'b', 'b', 'c']), () => pricing, { perAuction: 100, perBidder: 2 });
    expect(owed.map(({ kind, bidder }) => `${kind}:${bidder}`)).toEqual(['nurl:a', 'lurl:b', 'lurl:b', 'lurl:c']);
    expect(unsent).toBe(1);
  });

  it('caps the auction: the winner\'s nurl first, then losses in order', () => {
    const { owed, unsent } = auctionNotices(event('a', ['b', 'c', 'd']), () => pricing, { perAuction: 2, perBidder: 10 });
    expect(owed.map(({ kind, bidder }) => `${kind}:${bidder}`)).toEqual(['nurl:a', 'lurl:b']);
    expect(unsent).toBe(2);
  });
});
