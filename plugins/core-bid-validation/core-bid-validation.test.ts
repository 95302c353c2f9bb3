import { describe, expect, it } from 'vitest';
import {
  type BidderStageContext, type CandidateBid, DecimalCpmPricing, parseConfig,
} from '../../core/index.js';
import { LogCapture, testTrackerUrls } from '../../core/testing/index.js';
import { CoreBidValidation } from './index.js';

const config = parseConfig({ currency: 'USD', bidders: { dsp: { endpoint: 'http://127.0.0.1:9/bid' } } });

/** One auction with a banner imp (floor 0.5), a video imp, a native imp and a banner+video imp. */
const ctx: BidderStageContext = {
  auction: {
    auctionId: 'auction-1',
    request: {
      id: 'auction-1',
      imp: [
        { id: 'banner', banner: { w: 300, h: 250 }, bidfloor: 0.5 },
        { id: 'video', video: { mimes: ['video/mp4'] } },
        { id: 'native', native: { request: '{}' } },
        { id: 'multi', banner: { w: 300, h: 250 }, video: { mimes: ['video/mp4'] } },
      ],
    },
    origin: 'openrtb',
    floors: new Map([['banner', 500_000], ['video', 0], ['native', 0], ['multi', 0]]),
    currency: 'USD',
    startedAt: 0,
    deadline: 0,
    log: new LogCapture().log,
  },
  bidder: { name: 'dsp', config: config.bidders.dsp, pricing: new DecimalCpmPricing() },
};

/** A valid 1.00 banner bid, changed by `change` (bid fields go in `bid`). */
function candidate(change: Partial<Omit<CandidateBid, 'bid'>> & { bid?: Record<string, unknown> } = {}): CandidateBid {
  const { bid, ...rest } = change;
  return {
    bidder: 'dsp',
    arrival: 0,
    priceMicros: 1_000_000,
    currency: 'USD',
    admFormat: 'html',
    ...rest,
    bid: { id: 'b1', impid: 'banner', price: 1, adm: '<b>ad</b>', mtype: 1, ...bid },
  };
}

const trackers = testTrackerUrls('https://ex.example');
const validate = (c: CandidateBid) => new CoreBidValidation(trackers).bidValidate(ctx, c);

describe('core-bid-validation rejects with the OpenRTB loss reason of the first failed check', () => {
  const table: Array<[string, CandidateBid, number]> = [
    ['an impid the request does not have', candidate({ bid: { impid: 'nope' } }), 3],
    ['a bid in another currency', candidate({ currency: 'EUR' }), 3],
    ['a dialect-flagged invalid price (3) keeps its code', candidate({ priceMicros: null, invalid: { code: 3, reason: 'price is not a number' } }), 3],
    ['a dialect-flagged missing price (9) keeps its code', candidate({ priceMicros: null, invalid: { code: 9, reason: 'missing price' } }), 9],
    ['a dialect-flagged exchange code (1001) keeps its code, even when the rest is fine', candidate({ invalid: { code: 1001, reason: 'custom' } }), 1001],
    ['a dialect flag wins over an unknown impid', candidate({ bid: { impid: 'nope' }, invalid: { code: 9, reason: 'missing price' } }), 9],
    ['a price of 0', candidate({ priceMicros: 0 }), 9],
    ['an unreadable price nobody flagged', candidate({ priceMicros: null }), 9],
    ['a price one micro below the floor', candidate({ priceMicros: 499_999 }), 100],
    ['no adm', candidate({ bid: { adm: undefined } }), 7],
    ['an empty adm', candidate({ bid: { adm: '' } }), 7],
    ['a blank adm', candidate({ bid: { adm: ' \n\t ' } }), 7],
    ['an adm that is not a string', candidate({ bid: { adm: { html: '<b>' } } }), 7],
    ['mtype video on a banner-only imp', candidate({ bid: { mtype: 2 } }), 204],
    ['mtype native on a video-only imp', candidate({ bid: { impid: 'video', mtype: 4 } }), 204],
    ['mtype banner on a native-only imp', candidate({ bid: { impid: 'native', mtype: 1 } }), 204],
    ['no mtype on an imp that offers banner and video', candidate({ bid: { impid: 'multi', mtype: undefined } }), 204],
    ['below the floor and without adm: the floor check comes first', candidate({ priceMicros: 1, bid: { adm: '' } }), 100],
    ['in another currency and without price: the currency check comes first', candidate({ currency: 'EUR', priceMicros: 0 }), 3],
  ];
  it.each(table)('%s → %i', async (_name, bid, code) => {
    const result = await validate(bid);
    expect(result).toMatchObject({ action: 'reject', code });
    expect((result as { reason: string }).reason).toMatch(/\S/);
  });
});

describe('core-bid-validation lets valid bids through', () => {
  const table: Array<[string, CandidateBid]> = [
    ['a banner bid above the floor', candidate()],
    ['a bid exactly at the floor', candidate({ priceMicros: 500_000 })],
    ['a banner bid without mtype on a banner-only imp', candidate({ bid: { mtype: undefined } })],
    ['a video bid without mtype on a video-only imp', candidate({ bid: { impid: 'video', mtype: undefined }, priceMicros: 1 })],
    ['a native bid', candidate({ bid: { impid: 'native', mtype: 4 } })],
    ['a video bid with mtype on a banner+video imp', candidate({ bid: { impid: 'multi', mtype: 2 } })],
    ['a banner bid with mtype on a banner+video imp', candidate({ bid: { impid: 'multi', mtype: 1 } })],
  ];
  it.each(table)('%s → noop', async (_name, bid) => {
    expect(await validate(bid)).toEqual({ action: 'noop' });
  });
});
