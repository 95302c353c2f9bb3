import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RtbConfigInput } from '../../core/index.js';
import { http, postAuction, startRig, type Rig } from '../../test/helpers.js';
import { scratchDir } from '../../test/scratch-dir.js';
import { until } from '../../test/until.js';
import { PROBE_DESTINATION, probeRegistry, trackersIn } from './test-helpers.js';

const EVERY_MACRO = [
  'id=${AUCTION_ID}', 'bid=${AUCTION_BID_ID}', 'imp=${AUCTION_IMP_ID}', 'seat=${AUCTION_SEAT_ID}', 'ad=${AUCTION_AD_ID}',
  'price=${AUCTION_PRICE}', 'cur=${AUCTION_CURRENCY}', 'mbr=${AUCTION_MBR}', 'loss=${AUCTION_LOSS}', 'min=${AUCTION_MIN_TO_WIN}',
  'ts=${AUCTION_IMP_TS}', 'b64=${AUCTION_PRICE:B64}', 'mult=${AUCTION_MULTIPLIER}', 'other=${NOT_A_MACRO}',
].join('&');

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** Starts a rig whose bidders put notice URLs pointing at themselves (`/win`, `/loss`, `/bill`) in their bids. */
async function noticeRig(
  bidders: Record<string, { price?: number; markup?: string; bidFields?: Record<string, unknown>; noticeStatuses?: number[]; kinds?: Array<'nurl' | 'lurl' | 'burl'>; bidderConfig?: Record<string, unknown> }>,
  config: Partial<RtbConfigInput> = {},
): Promise<Rig> {
  const started = await startRig(
    Object.fromEntries(Object.entries(bidders).map(([name, { kinds: _kinds, ...options }]) => [name, options])),
    { plugins: ['tracker-probe'], ...config },
    probeRegistry(),
  );
  for (const [name, { kinds = ['nurl', 'lurl', 'burl'] }] of Object.entries(bidders)) {
    const mock = started.bidders[name];
    mock.set({
      nurl: kinds.includes('nurl') ? `${mock.url}/win?${EVERY_MACRO}` : undefined,
      lurl: kinds.includes('lurl') ? `${mock.url}/loss?${EVERY_MACRO}` : undefined,
      burl: kinds.includes('burl') ? `${mock.url}/bill?${EVERY_MACRO}` : undefined,
    });
  }
  return started;
}

/** The notices a bidder received on `path`, each as its decoded query and its raw URL. */
function received(current: Rig, bidder: string, pathname: string) {
  return current.bidders[bidder].notices
    .filter((notice) => new URL(notice.url, 'http://x').pathname === pathname)
    .map((notice) => ({ raw: notice.url, status: notice.status, query: Object.fromEntries(new URL(notice.url, 'http://x').searchParams) }));
}

const delivered = (current: Rig) => current.exchange.logs.withMessage('notice delivered');

const REQUEST = {
  id: 'auc 1/ä&x',
  imp: [{ id: 'imp#1', banner: { w: 300, h: 250 }, bidfloor: 1 }],
  site: { id: 's', page: 'https://pub.example/' },
};

describe('win and loss notices (T1, T3) with every OpenRTB macro', () => {
  it('nurl only to the winner, lurl to each loser with its loss code and min-to-win, values URL-encoded', async () => {
    rig = await noticeRig({
      a: { price: 2, bidFields: { adid: 'ad 1&2' } },
      b: { price: 1.5 },
      low: { price: 0.5 },
      bad: { price: 3, markup: ' ' },
    });
    const answer = await postAuction(rig.exchange, REQUEST);
    expect(answer.status).toBe(200);
    await until(() => delivered(rig!).length === 4, 'four notices delivered');

    expect(received(rig, 'a', '/loss')).toEqual([]);
    expect(received(rig, 'a', '/bill')).toEqual([]);
    for (const loser of ['b', 'low', 'bad']) expect(received(rig, loser, '/win')).toEqual([]);

    const [win] = received(rig, 'a', '/win');
    expect(win.query).toEqual({
      id: 'auc 1/ä&x', bid: 'imp#1-0', imp: 'imp#1', seat: 'seat-1', ad: 'ad 1&2', price: '1.51', cur: 'USD',
      mbr: '0.755', loss: '0', min: '1.5', ts: '', b64: Buffer.from('1.51').toString('base64url'), mult: '', other: '${NOT_A_MACRO}',
    });
    expect(win.raw).toContain('id=auc%201%2F%C3%A4%26x&bid=imp%231-0&imp=imp%231&seat=seat-1&ad=ad%201%262&price=1.51');

    const lossOf = (name: string) => received(rig!, name, '/loss').map((notice) => notice.query);
    expect(lossOf('b')).toEqual([expect.objectContaining({ id: 'auc 1/ä&x', imp: 'imp#1', price: '', mbr: '', loss: '102', min: '1.51', b64: '' })]);
    expect(lossOf('low')).toEqual([expect.objectContaining({ price: '', loss: '100', min: '1.51' })]);
    expect(lossOf('bad')).toEqual([expect.objectContaining({ price: '', loss: '7', min: '' })]);

    const wins = rig.exchange.logs.withMessage('win');
    expect(wins).toEqual([expect.objectContaining({ event: 'win', auctionId: 'auc 1/ä&x', bidder: 'a', priceMicros: 1_510_000, bidMicros: 2_000_000 })]);
    const losses = rig.exchange.logs.withMessage('loss').map((line) => [line.bidder, line.code, line.priceMicros]);
    expect(losses.sort()).toEqual([['b', 102, 1_500_000], ['bad', 7, 3_000_000], ['low', 100, 500_000]]);
  });

  it('prices are written in each bidder\'s own units: chips rounded down for the price, up for min-to-win', async () => {
    rig = await noticeRig({
      chips: { price: 300, bidderConfig: { pricing: 'chips', units: 0 } },
      cpm: { price: 2.005 },
    }, { auction: { step: 0.01 } });
    await postAuction(rig.exchange, { ...REQUEST, imp: [{ id: '1', banner: { w: 300, h: 250 } }] });
    await until(() => delivered(rig!).length === 2, 'two notices delivered');
    // Clearing 2.015 CPM = 201.5 chips → 201; min-to-win 2.005 CPM = 200.5 chips → 201.
    expect(received(rig, 'chips', '/win')[0].query).toMatchObject({ price: '201', min: '201', mbr: '0.671666' });
    expect(received(rig, 'cpm', '/loss')[0].query).toMatchObject({ price: '', loss: '102', min: '2.015' });
  });

  it('a bidder whose notice endpoint fails twice (500) then answers 200 gets exactly one success', async () => {
    rig = await noticeRig({ a: { price: 2, noticeStatuses: [500, 500], kinds: ['nurl'] } }, { notices: { retryBaseMs: 20, retryMaxMs: 40 } });
    await postAuction(rig.exchange, REQUEST);
    await until(() => delivered(rig!).length === 1, 'the win notice delivered');
    expect(received(rig, 'a', '/win').map((notice) => notice.status)).toEqual([500, 500, 200]);
    expect(rig.exchange.logs.withMessage('notice attempt failed').map((line) => line.reason)).toEqual(['HTTP 500', 'HTTP 500']);
  });

  it('gives a notice up after notices.maxAttempts, and logs it', async () => {
    rig = await noticeRig({ a: { price: 2, noticeStatuses: [503, 503, 503, 503], kinds: ['nurl'] } }, { notices: { retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 3 } });
    await postAuction(rig.exchange, REQUEST);
    await until(() => rig!.exchange.logs.withMessage('notice given up').length === 1, 'the notice given up');
    expect(received(rig, 'a', '/win').map((notice) => notice.status)).toEqual([503, 503, 503]);
  });
});

describe('billing (T2): burl when the exchange\'s impression tracker is hit, exactly once', () => {
  it('fires burl only after the tracker is hit, once under 20 concurrent duplicate hits', async () => {
    rig = await noticeRig({ a: { price: 2 }, b: { price: 1.5 } });
    const answer = await postAuction(rig.exchange, REQUEST);
    const { impression } = trackersIn(answer.json().seatbid[0].bid[0].adm);
    expect(impression.startsWith(`${rig.exchange.url}/t/imp?t=`)).toBe(true);
    // Nothing about the price in the URL the browser sees (T4).
    expect(impression).not.toMatch(/1\.51|1510000/);
    await until(() => delivered(rig!).length === 2, 'win and loss notices delivered');
    expect(received(rig, 'a', '/bill')).toEqual([]);

    const before = Date.now();
    const hits = await Promise.all(Array.from({ length: 20 }, () => http(impression, { headers: { 'user-agent': 'device-ua/1' } })));
    const after = Date.now();
    for (const hit of hits) {
      expect(hit.status).toBe(200);
      expect(hit.headers['content-type']).toBe('image/gif');
    }
    await until(() => delivered(rig!).length === 3, 'the billing notice delivered');
    await http(impression);
    await until(() => rig!.exchange.logs.withMessage('impression').length === 21, 'every impression logged');

    const bills = received(rig, 'a', '/bill');
    expect(bills).toHaveLength(1);
    expect(bills[0].query).toMatchObject({ id: 'auc 1/ä&x', price: '1.51', loss: '0', min: '1.5', imp: 'imp#1' });
    expect(Number(bills[0].query.ts)).toBeGreaterThanOrEqual(before);
    expect(Number(bills[0].query.ts)).toBeLessThanOrEqual(after);
    const billNotice = rig.bidders.a.notices.find((notice) => notice.url.startsWith('/bill'))!;
    expect(billNotice.headers['x-device-user-agent']).toBe('device-ua/1');
    expect(billNotice.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(received(rig, 'b', '/bill')).toEqual([]);

    const billing = rig.exchange.logs.withMessage('billing');
    expect(billing).toEqual([expect.objectContaining({ auctionId: 'auc 1/ä&x', bidder: 'a', priceMicros: 1_510_000, burl: true })]);
    expect(rig.exchange.logs.withMessage('impression').filter((line) => line.duplicate === false)).toHaveLength(1);
  });

  it('a winner without burl is still recorded as billed, once', async () => {
    rig = await noticeRig({ a: { price: 2, kinds: ['nurl'] } });
    const answer = await postAuction(rig.exchange, REQUEST);
    const { impression } = trackersIn(answer.json().seatbid[0].bid[0].adm);
    await Promise.all([http(impression), http(impression)]);
    await until(() => rig!.exchange.logs.withMessage('impression').length === 2, 'both hits logged');
    expect(rig.exchange.logs.withMessage('billing')).toEqual([expect.objectContaining({ bidder: 'a', priceMicros: 1_000_000, burl: false })]);
    expect(received(rig, 'a', '/bill')).toEqual([]);
  });
});

describe('tracker tokens (T4)', () => {
  it('forged, tampered, wrong-kind and missing tokens are refused, logged, and fire nothing', async () => {
    rig = await noticeRig({ a: { price: 2 } });
    const answer = await postAuction(rig.exchange, REQUEST);
    const { impression, click } = trackersIn(answer.json().seatbid[0].bid[0].adm);
    const token = new URL(impression).searchParams.get('t')!;
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const clickToken = new URL(click).searchParams.get('t')!;
    const cases: Array<[string, string, number]> = [
      ['forged', `/t/imp?t=${Buffer.concat([Buffer.of(1), randomBytes(90)]).toString('base64url')}`, 404],
      ['tampered', `/t/imp?t=${flip(token, 30)}`, 404],
      ['truncated', `/t/imp?t=${token.slice(0, -4)}`, 404],
      ['not base64url', `/t/imp?t=${token}!`, 404],
      ['click token on the impression tracker', `/t/imp?t=${clickToken}`, 404],
      ['impression token on the click tracker', `/t/click?t=${token}`, 404],
      ['missing', '/t/imp', 400],
    ];
    for (const [name, pathAndQuery, status] of cases) {
      const hit = await http(`${rig.exchange.url}${pathAndQuery}`);
      expect(hit.status, name).toBe(status);
      expect(hit.headers.location, name).toBeUndefined();
    }
    const refused = rig.exchange.logs.withMessage('tracker token refused').map((line) => line.reason);
    expect(refused).toEqual(['forged', 'forged', 'forged', 'malformed', 'wrong-kind', 'wrong-kind', 'missing']);
    await until(() => delivered(rig!).length === 1, 'the win notice delivered');
    expect(rig.exchange.logs.withMessage('impression')).toEqual([]);
    expect(rig.exchange.logs.withMessage('billing')).toEqual([]);
    expect(rig.exchange.logs.withMessage('click')).toEqual([]);
    expect(received(rig, 'a', '/bill')).toEqual([]);
  });

  it('an expired token is refused and bills nothing', async () => {
    rig = await noticeRig({ a: { price: 2 } }, { trackers: { secret: 'a-test-secret-of-some-length', ttlSeconds: 1 } });
    const auctionAt = Date.now();
    const answer = await postAuction(rig.exchange, REQUEST);
    const { impression } = trackersIn(answer.json().seatbid[0].bid[0].adm);
    // The token expires one whole second after the auction's second: wait past it before the first hit.
    await until(() => Date.now() > (Math.floor(auctionAt / 1000) + 2) * 1000, 'the token expired', 5_000);
    expect((await http(impression)).status).toBe(404);
    expect(rig.exchange.logs.withMessage('tracker token refused').map((line) => line.reason)).toEqual(['expired']);
    expect(rig.exchange.logs.withMessage('billing')).toEqual([]);
  });

  it('the click tracker redirects to the destination signed into its token, whatever the query adds', async () => {
    rig = await noticeRig({ a: { price: 2 } });
    const answer = await postAuction(rig.exchange, REQUEST);
    const { click, bare } = trackersIn(answer.json().seatbid[0].bid[0].adm);
    const redirect = await http(click);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe(PROBE_DESTINATION);
    const smuggled = await http(`${click}&url=https%3A%2F%2Fevil.example%2F&destination=https%3A%2F%2Fevil.example%2F`);
    expect(smuggled.headers.location).toBe(PROBE_DESTINATION);
    const recordedOnly = await http(bare);
    expect(recordedOnly.status).toBe(204);
    expect(recordedOnly.headers.location).toBeUndefined();
    const clicks = rig.exchange.logs.withMessage('click');
    expect(clicks).toHaveLength(3);
    expect(clicks[0]).toMatchObject({ auctionId: 'auc 1/ä&x', bidder: 'a', priceMicros: 1_000_000, destination: PROBE_DESTINATION });
    // A click is not a billing event.
    expect(rig.exchange.logs.withMessage('billing')).toEqual([]);
  });
});

describe('durability across restarts (in-process)', () => {
  it('a notice owed at shutdown (bidder down) is delivered by the next start; a billed impression is not billed again', async () => {
    const journalDir = scratchDir('rtb-notices-restart-');
    const config: Partial<RtbConfigInput> = {
      trackers: { secret: 'restart-test-secret-0123456789' },
      notices: { journalDir, retryBaseMs: 600_000, retryMaxMs: 600_000, drainTimeoutMs: 100 },
    };
    rig = await noticeRig({ a: { price: 2, noticeStatuses: [503] } }, config);
    const answer = await postAuction(rig.exchange, REQUEST);
    const { impression } = trackersIn(answer.json().seatbid[0].bid[0].adm);
    expect((await http(impression)).status).toBe(200);
    await until(() => received(rig!, 'a', '/bill').length === 1 && delivered(rig!).length === 1, 'nurl refused, burl delivered');
    expect(received(rig, 'a', '/win').map((notice) => notice.status)).toEqual([503]);
    const mockUrl = rig.bidders.a.url;
    await rig.exchange.stop();
    const journal = readFileSync(path.join(journalDir, 'notices.jsonl'), 'utf8');
    expect(journal).toContain('/win?');

    // Same journal, same secret, the bidder back: the owed win notice goes out; a reload of the ad bills nothing.
    const bidder = rig.bidders.a;
    const next = await startRig({}, {
      ...config,
      plugins: ['tracker-probe'],
      bidders: { a: { endpoint: `${mockUrl}/bid` } },
    }, probeRegistry());
    rig = { ...next, stop: async () => { await next.stop(); await bidder.close(); } };
    await until(() => next.exchange.logs.withMessage('notice delivered').length === 1, 'the owed win notice delivered after restart');
    expect(received({ ...next, bidders: { a: bidder } }, 'a', '/win').map((notice) => notice.status)).toEqual([503, 200]);
    const reload = new URL(impression);
    expect((await http(`${next.exchange.url}${reload.pathname}${reload.search}`)).status).toBe(200);
    await until(() => next.exchange.logs.withMessage('impression').length === 1, 'the reload logged');
    expect(next.exchange.logs.withMessage('impression')[0]).toMatchObject({ duplicate: true });
    expect(next.exchange.logs.withMessage('billing')).toEqual([]);
    expect(bidder.notices.filter((notice) => notice.url.startsWith('/bill'))).toHaveLength(1);
  });
});
