import { describe, expect, it } from 'vitest';
import type { ValidBid } from './bids.js';
import { pageOffers } from './page-offers.js';

let arrival = 0;
const bid = (bidder: string, impid: string, priceMicros: number): ValidBid => ({
  bid: { id: `${bidder}-${impid}-${priceMicros}`, impid, price: priceMicros / 1e6 }, priceMicros, currency: 'USD', admFormat: 'html', bidder, arrival: arrival++,
});

describe('the offers of an auction the page decides', () => {
  it('each bidder\'s best bid per imp at its own price; its other bids lose with 102 to it, bids below the floor with 100 to the floor', () => {
    const bids = [bid('a', '1', 1_200_000), bid('a', '1', 1_500_000), bid('b', '1', 900_000), bid('c', '1', 300_000), bid('b', '2', 2_000_000)];
    const { awards, losses } = pageOffers(bids, new Map([['1', 500_000], ['2', 0]]));
    expect(awards.map((award) => [award.candidate.bid.id, award.clearingMicros, award.minToWinMicros])).toEqual([
      ['a-1-1500000', 1_500_000, 500_000], ['b-1-900000', 900_000, 500_000], ['b-2-2000000', 2_000_000, 0],
    ]);
    expect(losses.map((loss) => [loss.candidate.bid.id, loss.code, loss.minToWinMicros])).toEqual([
      ['a-1-1200000', 102, 1_500_000], ['c-1-300000', 100, 500_000],
    ]);
  });
});
