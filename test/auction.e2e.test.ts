import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from '../core/plugin/define.js';
import { noop, update } from '../core/hooks/results.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { auctionLines, http, postAuction, startRig, type Rig } from './helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** Runs one tag auction and returns the answer and the auction log line. */
async function tagAuction(current: Rig, query = 'site=s') {
  const answer = await http(`${current.exchange.url}/ad?${query}`, { headers: { 'user-agent': 'test-browser/1.0', referer: 'https://pub.example/article' } });
  const lines = auctionLines(current.exchange);
  return { answer, line: lines[lines.length - 1] };
}

describe('second-price auction over real bidders', () => {
  it('the highest bid wins and pays the second price plus the step', async () => {
    rig = await startRig({ a: { price: 2 }, b: { price: 1.5 }, c: { price: 1 } }, {
      sites: { s: { banner: { w: 300, h: 250 }, floor: 0.5 } },
      auction: { step: 0.01 },
    });
    const { answer, line } = await tagAuction(rig);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('application/javascript');
    // The winner's markup, its link sent through the exchange's click tracker (adm-banner's default redirect-wrap).
    expect(answer.text).toContain('class=\\"ad\\"');
    expect(answer.text).toContain('/t/click?t=');
    expect(line.bidders).toEqual({
      a: { status: 'win', priceMicros: 2_000_000, paidMicros: 1_510_000, latencyMs: expect.any(Number) },
      b: { status: 'loss', priceMicros: 1_500_000, paidMicros: null, latencyMs: expect.any(Number) },
      c: { status: 'loss', priceMicros: 1_000_000, paidMicros: null, latencyMs: expect.any(Number) },
    });
    expect(line.site).toBe('s');
    expect(line.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('a single bidder pays the floor; MinCPM raises the floor', async () => {
    rig = await startRig({ a: { price: 2 } }, { sites: { s: { banner: { w: 300, h: 250 }, floor: 0.7 } } });
    expect((await tagAuction(rig)).line.bidders.a).toMatchObject({ status: 'win', paidMicros: 700_000 });
    expect((await tagAuction(rig, 'site=s&mincpm=0.9')).line.bidders.a).toMatchObject({ status: 'win', paidMicros: 900_000 });
    expect((await tagAuction(rig, 'site=s&mincpm=0.1')).line.bidders.a).toMatchObject({ status: 'win', paidMicros: 700_000 });
  });

  it('the floor reaches bidders as imp.bidfloor in the exchange currency', async () => {
    rig = await startRig({ a: { price: 2 } }, { sites: { s: { banner: { w: 300, h: 250 }, floor: 0.7 } } });
    await tagAuction(rig, 'site=s&mincpm=0.95');
    const sent = rig.bidders.a.requests[0].json;
    expect(sent.imp[0]).toMatchObject({ bidfloor: 0.95, bidfloorcur: 'USD', banner: { w: 300, h: 250 } });
    expect(sent).toMatchObject({ at: 2, tmax: 300, cur: ['USD'], site: { id: 's', page: 'https://pub.example/article', domain: 'pub.example' }, device: { ua: 'test-browser/1.0' } });
  });

  it('ties go to the earlier answer, which pays its own bid', async () => {
    rig = await startRig({ slow: { price: 1, delayMs: 60 }, fast: { price: 1, delayMs: 0 } });
    const { line } = await tagAuction(rig);
    expect(line.bidders.fast).toMatchObject({ status: 'win', paidMicros: 1_000_000 });
    expect(line.bidders.slow).toMatchObject({ status: 'loss' });
    // Each bidder's latency is on the line: the slow one's includes its 60 ms delay; a winner carries no loss code.
    expect(line.bidders.slow.latencyMs).toBeGreaterThanOrEqual(60);
    expect(line.bidders.fast.latencyMs).toBeLessThan(line.bidders.slow.latencyMs!);
    expect(line.bidders.fast).not.toHaveProperty('code');
  });

  it('a winner whose second price plus step exceeds its own bid pays its own bid', async () => {
    rig = await startRig({ a: { price: 1.005 }, b: { price: 1 } }, { auction: { step: 0.01 } });
    expect((await tagAuction(rig)).line.bidders.a).toMatchObject({ status: 'win', priceMicros: 1_005_000, paidMicros: 1_005_000 });
  });

  it('bids below the floor do not take part: nothing wins, the tag gets an empty 204', async () => {
    rig = await startRig({ a: { price: 0.3 } }, { sites: { s: { banner: { w: 300, h: 250 }, floor: 0.5 } } });
    const { answer, line } = await tagAuction(rig);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(line.bidders.a).toMatchObject({ status: 'invalid', code: 100, priceMicros: 300_000, paidMicros: null });
    expect(rig.exchange.logs.withMessage('bid rejected')[0]).toMatchObject({ bidder: 'a', code: 100 });
  });
});

describe('first-price auction', () => {
  it('the highest bid wins and pays its own price', async () => {
    rig = await startRig({ a: { price: 2 }, b: { price: 1.5 } }, { auction: { type: 'first-price' } });
    const { line } = await tagAuction(rig);
    expect(line.bidders.a).toMatchObject({ status: 'win', paidMicros: 2_000_000 });
    expect(rig.bidders.a.requests[0].json.at).toBe(1);
  });
});

describe('deadline', () => {
  it('a bidder hanging past tmax is a timeout; the others still win, without waiting for it', async () => {
    rig = await startRig({ hangs: { price: 5, delayMs: 8_000 }, quick: { price: 1 } }, { auction: { tmaxMs: 150 } });
    const started = Date.now();
    const { answer, line } = await tagAuction(rig);
    // A loose bound, not a timing: the hanging bidder would answer after 8 s.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(answer.status).toBe(200);
    expect(line.bidders.hangs).toMatchObject({ status: 'timeout', priceMicros: null, latencyMs: null, detail: 'no answer by the deadline' });
    expect(line.bidders.quick).toMatchObject({ status: 'win' });
  });

  it('a bidder\'s own timeoutMs cuts only its call, well before the auction deadline', async () => {
    rig = await startRig({ slow: { price: 5, delayMs: 8_000, bidderConfig: { timeoutMs: 50 } }, quick: { price: 1 } }, { auction: { tmaxMs: 5_000 } });
    const started = Date.now();
    const { answer, line } = await tagAuction(rig);
    // A loose bound, not a timing: without its own limit the slow bidder would hold the auction for 5 s.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(answer.status).toBe(200);
    expect(line.bidders.slow).toMatchObject({ status: 'timeout', priceMicros: null, detail: 'bidder time limit passed' });
    expect(line.bidders.quick).toMatchObject({ status: 'win' });
  });

  it('an OpenRTB caller\'s tmax shortens the deadline but never lengthens it', async () => {
    rig = await startRig({ a: { price: 1 } }, { auction: { tmaxMs: 200 } });
    await postAuction(rig.exchange, { id: 'x1', tmax: 5_000, imp: [{ id: '1', banner: { w: 1, h: 1 } }] });
    await postAuction(rig.exchange, { id: 'x2', tmax: 80, imp: [{ id: '1', banner: { w: 1, h: 1 } }] });
    expect(rig.bidders.a.requests.map((r) => r.json.tmax)).toEqual([200, 80]);
  });
});

describe('a bidder\'s maxQps', () => {
  it('auctions over the cap go on without that bidder: not asked, not in the auction log, counted in the metrics', async () => {
    // One request per 10 s: the 6 auctions below all fall in its first 10 s.
    rig = await startRig({ capped: { price: 5, bidderConfig: { maxQps: 0.1 } }, free: { price: 1 } });
    const lines = [];
    for (let i = 0; i < 6; i++) lines.push((await tagAuction(rig)).line);
    expect(rig.bidders.capped.requests).toHaveLength(1);
    expect(rig.bidders.free.requests).toHaveLength(6);
    expect(lines.map((line) => Object.keys(line.bidders).sort().join(' '))).toEqual(['capped free', ...Array(5).fill('free')]);
    expect(lines.map((line) => line.bidders.free.status)).toEqual(['loss', ...Array(5).fill('win')]);
    expect((await http(`${rig.exchange.url}/metrics`)).text).toContain('rtb_bidder_throttled_total{bidder="capped"} 5');
  });
});

describe('bidder answers', () => {
  const oversized = '<div>' + 'x'.repeat(5_000) + '</div>';
  it.each([
    ['204', { status: 204 }, 'nobid'],
    ['200 with only nbr', { nbr: 2 }, 'nobid'],
    ['200 with an empty seatbid', { respond: (r: { json: { id: string } }) => ({ status: 200, body: JSON.stringify({ id: r.json.id, seatbid: [] }) }) }, 'nobid'],
    ['400 (our request malformed)', { status: 400 }, 'error'],
    ['500', { status: 500 }, 'error'],
    ['garbage JSON', { respond: () => ({ status: 200, body: '{"id": "x", seatbid: [' }) }, 'error'],
    ['a JSON array', { respond: () => ({ status: 200, body: '[]' }) }, 'error'],
    ['an answer over the size cap', { price: 1, markup: oversized, bidderConfig: { maxResponseBytes: 2_000 } }, 'error'],
    ['a gzip answer over the size cap once unzipped', { price: 1, markup: oversized, gzip: true, bidderConfig: { maxResponseBytes: 2_000 } }, 'error'],
    ['a gzip answer', { price: 1, gzip: true }, 'win'],
    ['a bid for an unknown imp', { respond: (r: { json: { id: string } }) => ({ status: 200, body: JSON.stringify({ id: r.json.id, seatbid: [{ bid: [{ id: 'b', impid: 'nope', price: 1, adm: '<b>x</b>' }] }] }) }) }, 'invalid'],
    ['a bid without markup', { price: 1, markup: '' }, 'invalid'],
    ['a bid with the wrong mtype', { price: 1, mtype: 2 }, 'invalid'],
    ['a bid in another currency', { respond: (r: { json: { id: string; imp: Array<{ id: string }> } }) => ({ status: 200, body: JSON.stringify({ id: r.json.id, cur: 'EUR', seatbid: [{ bid: [{ id: 'b', impid: r.json.imp[0].id, price: 1, adm: '<b>x</b>' }] }] }) }) }, 'invalid'],
    ['a bid with a string price', { respond: (r: { json: { id: string; imp: Array<{ id: string }> } }) => ({ status: 200, body: JSON.stringify({ id: r.json.id, seatbid: [{ bid: [{ id: 'b', impid: r.json.imp[0].id, price: '1', adm: '<b>x</b>' }] }] }) }) }, 'invalid'],
  ] as const)('%s → %s, and the other bidder is unaffected', async (_name, options, status) => {
    rig = await startRig({ tested: options as never, other: { price: 0.5 } });
    const { answer, line } = await tagAuction(rig);
    expect(line.bidders.tested.status).toBe(status);
    expect(line.bidders.other.status).toBe(status === 'win' ? 'loss' : 'win');
    expect(answer.status).toBe(200);
  });

  it('a 400 from a bidder is logged loudly as our malformed request', async () => {
    rig = await startRig({ a: { status: 400 } });
    await tagAuction(rig);
    const [line] = rig.exchange.logs.withMessage('bidder refused our bid request as malformed');
    expect(line).toMatchObject({ bidder: 'a', level: 50 });
  });

  it('rejections carry their OpenRTB loss reason codes', async () => {
    rig = await startRig({ nomarkup: { price: 1, markup: ' ' }, mtype: { price: 1, mtype: 4 }, zero: { price: 0 } });
    await tagAuction(rig);
    const codes = Object.fromEntries(rig.exchange.logs.withMessage('bid rejected').map((l) => [l.bidder, l.code]));
    expect(codes).toEqual({ nomarkup: 7, mtype: 204, zero: 9 });
  });
});

describe('dialect openrtb on the wire', () => {
  it('sends JSON with x-openrtb-version per bidder, gzip only where agreed, and 2.5 downgrades', async () => {
    rig = await startRig({
      v26: { price: 1 },
      v25: { price: 1, bidderConfig: { openrtbVersion: '2.5', gzip: true } },
    });
    await postAuction(rig.exchange, {
      id: 'wire-1',
      imp: [{ id: '1', banner: { w: 300, h: 250 }, rwdd: 1 }],
      regs: { gdpr: 1, gpp: 'DBABMA~', us_privacy: '1YNN' },
      user: { consent: 'CONSENT', eids: [{ source: 'id.example', uids: [{ id: 'u1' }] }] },
    });
    const [v26] = rig.bidders.v26.requests;
    const [v25] = rig.bidders.v25.requests;
    expect(v26.headers).toMatchObject({ 'content-type': 'application/json', 'x-openrtb-version': '2.6', 'accept-encoding': 'gzip' });
    expect(v26.headers['content-encoding']).toBeUndefined();
    expect(v26.json).toMatchObject({ id: 'wire-1', regs: { gdpr: 1, gpp: 'DBABMA~' }, user: { consent: 'CONSENT' }, imp: [{ rwdd: 1 }] });
    expect(v25.headers).toMatchObject({ 'x-openrtb-version': '2.5', 'content-encoding': 'gzip' });
    expect(v25.json.regs).toEqual({ ext: { gdpr: 1, us_privacy: '1YNN' } });
    expect(v25.json.user).toEqual({ ext: { consent: 'CONSENT', eids: [{ source: 'id.example', uids: [{ id: 'u1' }] }] } });
    expect(v25.json.imp[0].rwdd).toBeUndefined();
  });
});

const VAST_INLINE = '<VAST version="3.0"><Ad id="v"><InLine><AdSystem>dsp</AdSystem><AdTitle>v</AdTitle><Impression>https://dsp.example/imp</Impression><Creatives/></InLine></Ad></VAST>';

describe('POST /openrtb2/auction', () => {
  it('answers one winning bid per imp at its clearing price', async () => {
    const perImp = (prices: Record<string, number>) => ({
      respond: (r: { json: { id: string; imp: Array<{ id: string }> } }) => ({
        status: 200,
        body: JSON.stringify({ id: r.json.id, seatbid: [{ bid: r.json.imp.filter((imp) => prices[imp.id]).map((imp) => ({ id: `b-${imp.id}`, impid: imp.id, price: prices[imp.id], adm: imp.id === 'v' ? VAST_INLINE : `<i>${imp.id}</i>`, mtype: imp.id === 'v' ? 2 : 1 })) }] }),
      }),
    });
    rig = await startRig({ a: perImp({ b1: 3, b2: 1, v: 2 }), b: perImp({ b1: 2, b2: 1.2 }) }, { auction: { step: 0.05 } });
    const answer = await postAuction(rig.exchange, {
      id: 'multi-1',
      site: { id: 'pub-site', page: 'https://pub.example/' },
      imp: [
        { id: 'b1', banner: { w: 300, h: 250 } },
        { id: 'b2', banner: { w: 728, h: 90 }, bidfloor: 0.5 },
        { id: 'v', video: { mimes: ['video/mp4'], protocols: [2, 3] }, bidfloor: 1.5 },
        { id: 'empty', banner: { w: 1, h: 1 } },
      ],
    });
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(body.id).toBe('multi-1');
    expect(body.cur).toBe('USD');
    const won = Object.fromEntries(body.seatbid.flatMap((seat: { seat: string; bid: Array<{ impid: string; price: number }> }) => seat.bid.map((bid) => [bid.impid, [seat.seat, bid.price]])));
    expect(won).toEqual({ b1: ['a', 2.05], b2: ['b', 1.05], v: ['a', 1.5] });
    expect(auctionLines(rig.exchange)[0].bidders).toEqual({
      a: { status: 'win', priceMicros: 3_000_000, paidMicros: 2_050_000 + 1_500_000, latencyMs: expect.any(Number) },
      b: { status: 'win', priceMicros: 2_000_000, paidMicros: 1_050_000, latencyMs: expect.any(Number) },
    });
  });

  it('answers 200 with an empty seatbid when no imp has a winner (as Prebid Server does; OpenRTB bidders\' 204 is theirs)', async () => {
    rig = await startRig({ a: { status: 204 } });
    const answer = await postAuction(rig.exchange, { id: 'none', imp: [{ id: '1', banner: { w: 1, h: 1 } }] });
    expect([answer.status, answer.json().seatbid]).toEqual([200, []]);
  });

  it.each([
    ['not JSON', '{"id":', '(body)'],
    ['an array', '[]', '(body)'],
    ['no id', { imp: [{ id: '1', banner: {} }] }, 'id'],
    ['no imp', { id: 'x' }, 'imp'],
    ['empty imp', { id: 'x', imp: [] }, 'imp'],
    ['an imp without id', { id: 'x', imp: [{ banner: {} }] }, 'imp[0].id'],
    ['duplicate imp ids', { id: 'x', imp: [{ id: '1', banner: {} }, { id: '1', banner: {} }] }, 'imp[1].id'],
    ['an imp without media', { id: 'x', imp: [{ id: '1' }] }, 'imp[0]'],
    ['a negative bidfloor', { id: 'x', imp: [{ id: '1', banner: {}, bidfloor: -1 }] }, 'imp[0].bidfloor'],
    // A floor the exchange cannot hold in micros is refused, never read as no floor (a sale below it).
    ['a bidfloor of 1e308', { id: 'x', imp: [{ id: '1', banner: {}, bidfloor: 1e308 }] }, 'imp[0].bidfloor'],
    ['a bidfloor of 1e11', { id: 'x', imp: [{ id: '1', banner: {} }, { id: '2', banner: {}, bidfloor: 1e11 }] }, 'imp[1].bidfloor'],
    ['a foreign bidfloorcur', { id: 'x', imp: [{ id: '1', banner: {}, bidfloorcur: 'EUR' }] }, 'imp[0].bidfloorcur'],
    ['a native imp without request', { id: 'x', imp: [{ id: '1', native: {} }] }, 'imp[0].native.request'],
    ['site and app', { id: 'x', imp: [{ id: '1', banner: {} }], site: {}, app: {} }, 'app'],
    ['a bad tmax', { id: 'x', imp: [{ id: '1', banner: {} }], tmax: 'soon' }, 'tmax'],
    ['a bad banner width', { id: 'x', imp: [{ id: '1', banner: { w: -3 } }] }, 'imp[0].banner.w'],
  ])('%s → 400 naming %s', async (_name, body, field) => {
    rig = await startRig({ a: { price: 1 } });
    const answer = await http(`${rig.exchange.url}/openrtb2/auction`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect(answer.status).toBe(400);
    expect(answer.json().error.field).toBe(field);
    expect(rig.bidders.a.requests).toHaveLength(0);
  });

  it.each([
    ['', 'site'],
    ['site=unknown', 'site'],
    ['site=s&mincpm=abc', 'mincpm'],
    ['site=s&mincpm=-1', 'mincpm'],
    ['site=s&mincpm=1e11', 'mincpm'],
  ])('GET /ad?%s → 400 naming %s', async (query, field) => {
    rig = await startRig({ a: { price: 1 } });
    const answer = await http(`${rig.exchange.url}/ad?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json().error.field).toBe(field);
  });
});

describe('plugin failures', () => {
  it('a throwing plugin and a hanging plugin cost only their own contribution', async () => {
    const registry = builtinRegistry()
      .plugin('throws', definePlugin(() => ({
        requestBuild: () => {
          throw new Error('requestBuild bug');
        },
      })))
      .plugin('hangs', definePlugin(() => ({ bidValidate: () => new Promise(() => undefined) })))
      .plugin('marks', definePlugin((scope) => ({ requestBuild: (_ctx, request) => update({ ...request, ext: { marked: scope.options.mark } }) })))
      .plugin('quiet', definePlugin(() => ({ admRewrite: () => noop() })));
    rig = await startRig({ a: { price: 2 }, b: { price: 1 } }, {
      hooks: { timeoutMs: 30 },
      plugins: ['throws', 'hangs', { name: 'marks', options: { mark: 'yes' }, bidders: ['b'] }, 'quiet'],
    }, registry);
    const { answer, line } = await tagAuction(rig);
    expect(answer.status).toBe(200);
    expect(line.bidders).toMatchObject({ a: { status: 'win', paidMicros: 1_010_000 }, b: { status: 'loss' } });
    expect(rig.bidders.a.requests[0].json.ext).toBeUndefined();
    expect(rig.bidders.b.requests[0].json.ext).toEqual({ marked: 'yes' });
    const outcomes = rig.exchange.hookOutcomes.map((o) => `${o.plugin}/${o.stage}/${o.bidder}/${o.outcome}`).sort();
    expect(outcomes).toEqual(expect.arrayContaining(['throws/requestBuild/a/error', 'throws/requestBuild/b/error', 'hangs/bidValidate/a/timeout', 'hangs/bidValidate/b/timeout', 'marks/requestBuild/b/success', 'quiet/admRewrite/a/success']));
    expect(outcomes.filter((o) => o.startsWith('marks/'))).toEqual(['marks/requestBuild/b/success']);
    const failure = rig.exchange.logs.withMessage('plugin hook failed; its contribution is dropped')[0];
    expect(failure).toMatchObject({ plugin: 'throws', stage: 'requestBuild', auctionId: line.auctionId });
  });
});
