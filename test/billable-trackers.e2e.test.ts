import { afterEach, expect, it } from 'vitest';
import { http, postAuction, startRig, type Rig } from './helpers.js';
import { until } from './until.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** The impression tracker URL in a banner winner's markup. */
function impressionTracker(adm: string): string {
  return /<img src="([^"]+\/t\/imp\?t=[^"]+)"/.exec(adm)![1]!.replace(/&amp;/g, '&');
}

const REQUEST = { id: 'r1', imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } };

it.each([
  ['a burl of 7,000 characters', { burl: `https://dsp.example/bill?${'x'.repeat(7_000)}` }],
  ['a bid id of 7,000 characters', { id: 'b'.repeat(7_000) }],
  ['a short burl whose macros expand past the token\'s limit', { burl: `https://dsp.example/bill?${'${AUCTION_ID}'.repeat(40)}` }],
])('a winner that could never be billed (%s) is refused before the auction (loss 3, logged); the next bid wins and is billed', async (_name, fields) => {
  rig = await startRig({ big: { price: 3, bidFields: fields }, fair: { price: 2 } });
  rig.bidders.fair.set({ burl: `${rig.bidders.fair.url}/bill?auction=\${AUCTION_ID}` });
  const request = { ...REQUEST, id: 'r'.repeat(200) };
  const answer = await postAuction(rig.exchange, request);
  expect(answer.status).toBe(200);
  const [bid] = answer.json().seatbid[0].bid;
  expect(answer.json().seatbid[0].seat).toBe('fair');
  const rejected = rig.exchange.logs.withMessage('bid rejected');
  expect(rejected).toEqual([expect.objectContaining({ bidder: 'big', code: 3, reason: expect.stringContaining('impression tracker') })]);
  // The winner's tracker is honoured: its burl is sent.
  expect((await http(impressionTracker(bid.adm))).status).toBe(200);
  await until(() => rig!.bidders.fair.notices.some((notice) => notice.url.startsWith('/bill')), 'the billing notice');
});

it('at the boundary: the longest burl taken beside the longest ids still makes a tracker that is honoured and bills; one character more is refused', async () => {
  rig = await startRig({ a: { price: 2 } });
  const bidder = rig.bidders.a;
  // The widest ids the request limits allow (512 two-byte characters), a 256-character bid id, and a burl naming
  // the auction id (URL-encoded: 3,072 characters) padded by `pad` characters.
  const request = { ...REQUEST, id: 'ä'.repeat(512) };
  const withPad = async (pad: number) => {
    bidder.set({ bidFields: { id: 'i'.repeat(256) }, burl: `${bidder.url}/bill?auction=\${AUCTION_ID}&pad=${'p'.repeat(pad)}` });
    const answer = await postAuction(rig!.exchange, request);
    const bid = answer.json().seatbid[0]?.bid[0];
    return bid ? impressionTracker(bid.adm) : undefined;
  };
  let taken = 0;
  let refused = 8_192;
  while (refused - taken > 1) {
    const pad = Math.floor((taken + refused) / 2);
    if (await withPad(pad)) taken = pad;
    else refused = pad;
  }
  expect(taken).toBeGreaterThan(0);
  const tracker = (await withPad(taken))!;
  const token = new URL(tracker).searchParams.get('t')!;
  // Within the limit, and not far below it: the bound is tight.
  expect(token.length).toBeLessThanOrEqual(8_192);
  expect(token.length).toBeGreaterThan(8_192 - 200);
  expect(await withPad(taken + 1)).toBeUndefined();
  expect((await http(tracker)).status).toBe(200);
  await until(() => bidder.notices.some((notice) => notice.url.startsWith('/bill')), 'the billing notice');
  const rejected = rig.exchange.logs.withMessage('bid rejected');
  expect(rejected.length).toBeGreaterThan(0);
  expect(rejected.every((line) => line.code === 3)).toBe(true);
});

it.each([
  ['id', { ...REQUEST, id: 'r'.repeat(513) }],
  ['imp[0].id', { ...REQUEST, imp: [{ id: 'i'.repeat(129), banner: { w: 300, h: 250 } }] }],
])('an OpenRTB request whose %s is too long for a billable tracker is a 400 naming it', async (field, body) => {
  rig = await startRig({ a: { price: 2 } });
  const answer = await postAuction(rig.exchange, body);
  expect(answer.status).toBe(400);
  expect(answer.json().error.field).toBe(field);
});
