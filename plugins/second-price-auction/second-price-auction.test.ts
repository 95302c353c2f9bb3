import { describe, expect, it } from 'vitest';
import {
  type AuctionContext, type AuctionOutcome, parseConfig, type RtbConfigInput, RtbStartupError, type ValidBid,
} from '../../core/index.js';
import {
  auctionContextFor as auctionContext, LogCapture, outcomeRows, validBid as bid,
} from '../../core/testing/index.js';
import { SecondPriceAuction } from './index.js';

function secondPrice(options: Record<string, unknown> = {}, auction: RtbConfigInput['auction'] = {}) {
  const config = parseConfig({ auction });
  return new SecondPriceAuction({ name: 'second-price', optionsAt: 'plugins.0.options', options, log: new LogCapture().log, config });
}

async function run(plugin: SecondPriceAuction, ctx: AuctionContext, candidates: ValidBid[]) {
  const result = await plugin.auction(ctx, { candidates });
  expect(result.action).toBe('update');
  return outcomeRows((result as { value: AuctionOutcome }).value);
}

describe('second-price auction, one imp (R5, OpenRTB §4.4.1), step 0.01, floor 0.5', () => {
  type Row = { bidder: string; pays?: number; code?: number; minToWin: number };
  const table: Array<[string, ValidBid[], Row | null, Row[]]> = [
    ['a single bid pays the floor; its min-to-win is the floor', [bid('a', 2_000_000, 0)],
      { bidder: 'a', pays: 500_000, minToWin: 500_000 }, []],
    ['two bids: the winner pays second + step; min-to-win is the runner-up, the loser learns the clearing price',
      [bid('a', 2_000_000, 0), bid('b', 1_500_000, 1)],
      { bidder: 'a', pays: 1_510_000, minToWin: 1_500_000 }, [{ bidder: 'b', code: 102, minToWin: 1_510_000 }]],
    ['three bids, the highest arriving last: price decides, not arrival',
      [bid('c', 1_000_000, 0), bid('b', 1_500_000, 1), bid('a', 2_000_000, 2)],
      { bidder: 'a', pays: 1_510_000, minToWin: 1_500_000 },
      [{ bidder: 'b', code: 102, minToWin: 1_510_000 }, { bidder: 'c', code: 102, minToWin: 1_510_000 }]],
    ['second + step above the winner\'s own bid: capped at its own bid',
      [bid('a', 1_005_000, 0), bid('b', 1_000_000, 1)],
      { bidder: 'a', pays: 1_005_000, minToWin: 1_000_000 }, [{ bidder: 'b', code: 102, minToWin: 1_005_000 }]],
    // One bidder's bids never set each other's price: its own lower bid is not the runner-up.
    ['a bidder\'s own second bid does not set its price: the best other bidder\'s does',
      [bid('a', 3_000_000, 0), bid('a', 2_000_000, 1), bid('b', 1_000_000, 2)],
      { bidder: 'a', pays: 1_010_000, minToWin: 1_000_000 },
      [{ bidder: 'a', code: 102, minToWin: 1_010_000 }, { bidder: 'b', code: 102, minToWin: 1_010_000 }]],
    ['a bidder alone with two bids pays the floor, as a lone bid does',
      [bid('a', 3_000_000, 0), bid('a', 2_000_000, 1)],
      { bidder: 'a', pays: 500_000, minToWin: 500_000 }, [{ bidder: 'a', code: 102, minToWin: 500_000 }]],
    ['a tie goes to the earlier answer, which pays its own bid',
      [bid('late', 1_000_000, 1), bid('early', 1_000_000, 0)],
      { bidder: 'early', pays: 1_000_000, minToWin: 1_000_000 }, [{ bidder: 'late', code: 102, minToWin: 1_000_000 }]],
    ['a bid exactly at the floor takes part and pays the floor',
      [bid('a', 500_000, 0)],
      { bidder: 'a', pays: 500_000, minToWin: 500_000 }, []],
    ['a bid below the floor loses with 100; the winner pays the floor as if alone; min-to-win is the clearing price',
      [bid('a', 2_000_000, 0), bid('low', 499_999, 1)],
      { bidder: 'a', pays: 500_000, minToWin: 500_000 }, [{ bidder: 'low', code: 100, minToWin: 500_000 }]],
    ['below-floor bids never set the price, even when they rank second',
      [bid('low', 400_000, 0), bid('a', 2_000_000, 1), bid('b', 600_000, 2)],
      { bidder: 'a', pays: 610_000, minToWin: 600_000 },
      [{ bidder: 'b', code: 102, minToWin: 610_000 }, { bidder: 'low', code: 100, minToWin: 610_000 }]],
    ['only bids below the floor: nobody wins; each loses with 100 and learns the floor',
      [bid('x', 300_000, 0), bid('y', 100_000, 1)],
      null, [{ bidder: 'x', code: 100, minToWin: 500_000 }, { bidder: 'y', code: 100, minToWin: 500_000 }]],
  ];
  it.each(table)('%s', async (_name, candidates, winner, losers) => {
    const outcome = await run(secondPrice(), auctionContext({ 1: 500_000 }), candidates);
    expect(outcome.awards).toEqual(winner ? [{ imp: '1', ...winner }] : []);
    expect(outcome.losses).toEqual(losers.map((l) => ({ imp: '1', ...l })));
  });

  it('no bids: no awards, no losses', async () => {
    expect(await run(secondPrice(), auctionContext({ 1: 500_000 }), [])).toEqual({ awards: [], losses: [] });
  });

  it('with no floor a lone bid pays zero (max(MinCPM = 0, nothing))', async () => {
    const outcome = await run(secondPrice(), auctionContext({ 1: 0 }), [bid('a', 2_000_000, 0)]);
    expect(outcome.awards).toEqual([{ bidder: 'a', imp: '1', pays: 0, minToWin: 0 }]);
  });

  it('leaves the candidate list as it was given', async () => {
    const candidates = Object.freeze([bid('b', 1_000_000, 0), bid('a', 2_000_000, 1)]);
    await secondPrice().auction(auctionContext({ 1: 0 }), { candidates });
    expect(candidates.map((c) => c.bidder)).toEqual(['b', 'a']);
  });
});

describe('second-price auction, several imps', () => {
  it('prices every imp on its own, with its own floor', async () => {
    const ctx = auctionContext({ banner: 500_000, video: 1_000_000 });
    const outcome = await run(secondPrice(), ctx, [
      bid('a', 2_000_000, 0, 'banner'),
      bid('a', 1_200_000, 1, 'video'),
      bid('b', 1_500_000, 2, 'banner'),
      bid('b', 3_000_000, 3, 'video'),
      bid('c', 800_000, 4, 'video'),
    ]);
    expect(outcome.awards).toEqual([
      { bidder: 'a', imp: 'banner', pays: 1_510_000, minToWin: 1_500_000 },
      { bidder: 'b', imp: 'video', pays: 1_210_000, minToWin: 1_200_000 },
    ]);
    expect(outcome.losses).toEqual([
      { bidder: 'b', imp: 'banner', code: 102, minToWin: 1_510_000 },
      { bidder: 'a', imp: 'video', code: 102, minToWin: 1_210_000 },
      { bidder: 'c', imp: 'video', code: 100, minToWin: 1_210_000 },
    ]);
  });

  it('an imp without bids gets no award', async () => {
    const outcome = await run(secondPrice(), auctionContext({ 1: 0, 2: 0 }), [bid('a', 1_000_000, 0, '2')]);
    expect(outcome.awards.map((a) => a.imp)).toEqual(['2']);
  });
});

describe('the auction step', () => {
  // [plugin options, exchange auction config, what 2.00 against 1.50 pays]
  const table: Array<[string, Record<string, unknown>, RtbConfigInput['auction'], number]> = [
    ['the default auction.step (0.01)', {}, {}, 1_510_000],
    ['auction.step 0.1', {}, { step: 0.1 }, 1_600_000],
    ['options.step 0.25 overrides auction.step 0.1', { step: 0.25 }, { step: 0.1 }, 1_750_000],
    ['options.step 0 (pure second price) overrides the default', { step: 0 }, {}, 1_500_000],
    ['options.step as a decimal string', { step: '0.05' }, {}, 1_550_000],
    ['a sub-micro step rounds up to one micro', { step: 0.0000001 }, {}, 1_500_001],
    ['a step that overshoots the winner: it pays its own bid', { step: 1 }, {}, 2_000_000],
  ];
  it.each(table)('%s', async (_name, options, auction, pays) => {
    const outcome = await run(secondPrice(options, auction), auctionContext({ 1: 0 }), [bid('a', 2_000_000, 0), bid('b', 1_500_000, 1)]);
    expect(outcome.awards).toEqual([{ bidder: 'a', imp: '1', pays, minToWin: 1_500_000 }]);
  });

  it.each([['a word', 'cheap'], ['a negative number', -0.01], ['an object', { cpm: 0.01 }]])('options.step as %s stops start-up', (_name, step) => {
    let error: unknown;
    try {
      secondPrice({ step });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RtbStartupError);
    expect((error as RtbStartupError).code).toBe('RTB_ERR_CONFIG_INVALID');
    expect((error as RtbStartupError).problems).toEqual(['plugins.0.options.step: must be a non-negative decimal CPM amount (e.g. 0.01)']);
  });
});
