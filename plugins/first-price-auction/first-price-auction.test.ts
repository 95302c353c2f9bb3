import { describe, expect, it } from 'vitest';
import type { AuctionContext, AuctionOutcome, ValidBid } from '../../core/index.js';
import { auctionContextFor as auctionContext, outcomeRows, validBid as bid } from '../../core/testing/index.js';
import { FirstPriceAuction } from './index.js';

async function run(ctx: AuctionContext, candidates: ValidBid[]) {
  const result = await new FirstPriceAuction().auction(ctx, { candidates });
  expect(result.action).toBe('update');
  return outcomeRows((result as { value: AuctionOutcome }).value);
}

describe('first-price auction, one imp, floor 0.85 (the OpenRTB §4.4.1 example)', () => {
  type Row = { bidder: string; pays?: number; code?: number; minToWin: number };
  const table: Array<[string, ValidBid[], Row | null, Row[]]> = [
    ['§4.4.1: 1.00 wins at 1.00 (min-to-win 0.90); 0.90 learns 1.00; 0.80 is below the floor and learns 1.00',
      [bid('a', 1_000_000, 0), bid('b', 900_000, 1), bid('c', 800_000, 2)],
      { bidder: 'a', pays: 1_000_000, minToWin: 900_000 },
      [{ bidder: 'b', code: 102, minToWin: 1_000_000 }, { bidder: 'c', code: 100, minToWin: 1_000_000 }]],
    ['a single bid pays its own bid, not the floor; its min-to-win is the floor',
      [bid('a', 2_000_000, 0)], { bidder: 'a', pays: 2_000_000, minToWin: 850_000 }, []],
    ['the highest bid wins whatever its arrival',
      [bid('b', 1_500_000, 0), bid('a', 2_000_000, 1)],
      { bidder: 'a', pays: 2_000_000, minToWin: 1_500_000 }, [{ bidder: 'b', code: 102, minToWin: 2_000_000 }]],
    ['a tie goes to the earlier answer',
      [bid('late', 1_000_000, 1), bid('early', 1_000_000, 0)],
      { bidder: 'early', pays: 1_000_000, minToWin: 1_000_000 }, [{ bidder: 'late', code: 102, minToWin: 1_000_000 }]],
    ['only bids below the floor: nobody wins, each learns the floor',
      [bid('x', 500_000, 0)], null, [{ bidder: 'x', code: 100, minToWin: 850_000 }]],
  ];
  it.each(table)('%s', async (_name, candidates, winner, losers) => {
    const outcome = await run(auctionContext({ 1: 850_000 }), candidates);
    expect(outcome.awards).toEqual(winner ? [{ imp: '1', ...winner }] : []);
    expect(outcome.losses).toEqual(losers.map((l) => ({ imp: '1', ...l })));
  });
});

describe('first-price auction, several imps', () => {
  it('prices every imp on its own', async () => {
    const outcome = await run(auctionContext({ x: 0, y: 1_000_000 }), [
      bid('a', 3_000_000, 0, 'x'),
      bid('b', 2_000_000, 1, 'x'),
      bid('a', 1_100_000, 2, 'y'),
      bid('b', 1_200_000, 3, 'y'),
    ]);
    expect(outcome.awards).toEqual([
      { bidder: 'a', imp: 'x', pays: 3_000_000, minToWin: 2_000_000 },
      { bidder: 'b', imp: 'y', pays: 1_200_000, minToWin: 1_100_000 },
    ]);
    expect(outcome.losses).toEqual([
      { bidder: 'b', imp: 'x', code: 102, minToWin: 3_000_000 },
      { bidder: 'a', imp: 'y', code: 102, minToWin: 1_200_000 },
    ]);
  });
});
