// Hostile input costs only its sender: a table of inbound requests and bidder answers that once cost everyone
// (issue 17), each against the limit that now bounds it, at the limit's boundary where it has one.
import { afterEach, describe, expect, it } from 'vitest';
import { http, postAuction, startRig, type Rig } from './helpers.js';
import { until } from './until.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const imps = (count: number) => Array.from({ length: count }, (_, i) => ({ id: String(i + 1), banner: { w: 300, h: 250 } }));
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('inbound requests over a limit: 400 naming the field, no bidder asked', () => {
  it.each([
    ['10,000 imps', { id: 'x', imp: imps(10_000) }, 'imp', /at most 100 imps \(limits\.impsPerRequest\)/],
    ['101 imps', { id: 'x', imp: imps(101) }, 'imp', /at most 100/],
    ['JSON nested 100,000 deep', `{"id":"x","imp":[{"id":"1","banner":{}}],"ext":${deep(100_000)}}`, '(body)', /nested deeper than 64/],
    ['JSON nested 65 deep', `{"id":"x","imp":[{"id":"1","banner":{}}],"ext":${deep(64)}}`, '(body)', /nested deeper than 64/],
  ])('%s', async (_name, body, field, message) => {
    rig = await startRig({ a: { price: 1 } });
    const answer = await http(`${rig.exchange.url}/openrtb2/auction`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect(answer.status).toBe(400);
    expect(answer.json().error).toMatchObject({ field, message: expect.stringMatching(message) });
    expect(rig.bidders.a.requests).toHaveLength(0);
  });

  it('at the limits: 100 imps and JSON nested 64 deep are taken', async () => {
    rig = await startRig({ a: { price: 1 } });
    expect((await postAuction(rig.exchange, { id: 'x', imp: imps(100) })).status).toBe(200);
    const nested = `{"id":"y","imp":[{"id":"1","banner":{}}],"ext":${deep(63)}}`;
    expect((await http(`${rig.exchange.url}/openrtb2/auction`, { method: 'POST', body: nested })).status).toBe(200);
  });
});

describe('a bidder answer over a limit costs that bidder only', () => {
  it('10,000 bids with an lurl each: the first limits.bidsPerAnswer are kept, the rest dropped before validation, loss notices capped per auction', async () => {
    rig = await startRig({ flood: { price: 1 }, fair: { price: 2 } }, { notices: { retryBaseMs: 20 }, limits: { noticesPerAuction: 50, noticesPerBidder: 60 } });
    const { flood } = rig.bidders;
    // Its loss notices (GETs) are answered 200; its bid request with the flood.
    const flooding = (request: { method: string; json: { id: string } }) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: request.json.id, seatbid: [{ bid: Array.from({ length: 10_000 }, (_, i) => ({
        // About 90 bytes each: the answer stays under the 1 MiB a bidder's answer may take.
        id: `f${i}`, impid: String((i % 20) + 1), price: 1, adm: 'f', mtype: 1, lurl: `${flood.url}/l?${i}`,
      })) }] }),
    });
    flood.set({ respond: (request) => (request.method === 'GET' ? { status: 200 } : flooding(request)) });
    const answer = await postAuction(rig.exchange, { id: 'flooded', imp: imps(20), tmax: 300 });
    expect(answer.status).toBe(200);
    expect(answer.json().seatbid.map((seat: { seat: string }) => seat.seat)).toEqual(['fair']);
    expect(answer.json().seatbid[0].bid).toHaveLength(20);
    await until(() => rig!.exchange.logs.withMessage('bids over the exchange\'s limits dropped').length === 1, 'the drop logged');
    expect(rig.exchange.logs.withMessage('bids over the exchange\'s limits dropped')[0]).toMatchObject({ bidder: 'flood', dropped: 9_900, limit: 'limits.bidsPerAnswer' });
    // The 100 kept bids (5 on each imp) lost to `fair` (102), each with an lurl: limits.noticesPerAuction of them go out.
    const capped = () => rig!.exchange.logs.withMessage('notices over limits.noticesPerAuction or noticesPerBidder not sent');
    await until(() => capped().length === 1, 'the notice cap logged');
    expect(capped()[0]).toMatchObject({ auctionId: 'flooded', unsent: 50, perAuction: 50 });
    const lossNotices = () => flood.requests.filter((request) => request.method === 'GET');
    await until(() => lossNotices().length >= 50, 'loss notices delivered');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lossNotices()).toHaveLength(50);
    const metrics = (await http(`${rig.exchange.url}/metrics`)).text;
    expect(metrics).toMatch(/^rtb_bids_dropped_total\{bidder="flood",limit="bidsPerAnswer"\} 9900$/m);
  });

  it('more than limits.bidsPerImp bids of one bidder on one imp: the best ones are kept', async () => {
    rig = await startRig({ many: { price: 1 } });
    rig.bidders.many.set({
      respond: (request) => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: request.json.id, seatbid: [{ bid: Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, impid: '1', price: 1 + i / 100, adm: '<b>m</b>', mtype: 1 })) }] }),
      }),
    });
    const answer = await postAuction(rig.exchange, { id: 'many', imp: imps(1) });
    expect(answer.status).toBe(200);
    // The highest bid wins: bids are kept by price, not by their place in the answer.
    expect(answer.json().seatbid[0].bid[0].id).toBe('m29');
    expect(rig.exchange.logs.withMessage('bids over the exchange\'s limits dropped')[0]).toMatchObject({ bidder: 'many', dropped: 20, limit: 'limits.bidsPerImp' });
  });

  it('an answer nested 100,000 deep is that bidder\'s error; the auction goes on with the others', async () => {
    rig = await startRig({ deep: { price: 1 }, fair: { price: 2 } });
    rig.bidders.deep.set({ respond: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: `{"id":"x","ext":${deep(100_000)}}` }) });
    const answer = await postAuction(rig.exchange, { id: 'deep', imp: imps(1) });
    expect(answer.status).toBe(200);
    expect(answer.json().seatbid[0].seat).toBe('fair');
    const line = rig.exchange.logs.withMessage('auction')[0] as unknown as { bidders: Record<string, { status: string; detail?: string }> };
    expect(line.bidders.deep).toMatchObject({ status: 'error', detail: expect.stringContaining('nested deeper than 64') });
  });
});

describe('a bidder\'s duplicated bid ids', () => {
  it('a second bid with an id the answer already used is refused (loss 3), and never sets the first one\'s price', async () => {
    rig = await startRig({ dup: { price: 1 }, other: { price: 1 } });
    rig.bidders.dup.set({
      respond: (request) => (request.method === 'GET' ? { status: 200 } : {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: request.json.id, seatbid: [{ bid: [
          { id: 'same', impid: '1', price: 3, adm: '<b>3</b>', mtype: 1 },
          { id: 'same', impid: '1', price: 2, adm: '<b>2</b>', mtype: 1 },
        ] }] }),
      }),
    });
    const answer = await postAuction(rig.exchange, { id: 'dup', imp: imps(1) });
    expect(answer.status).toBe(200);
    const [bid] = answer.json().seatbid[0].bid;
    expect(bid.adm).toContain('3');
    // It pays the other bidder's 1.00 + the step, not its own 2.00 + the step.
    expect(bid.price).toBe(1.01);
    expect(rig.exchange.logs.withMessage('bid rejected')).toEqual([expect.objectContaining({ bidder: 'dup', bidId: 'same', code: 3, reason: expect.stringContaining('duplicate bid id') })]);
  });
});

const INLINE = (extra = '') => `<VAST version="3.0"><Ad id="a"><InLine><AdSystem>x</AdSystem><AdTitle>t</AdTitle><Impression><![CDATA[https://dsp.example/imp]]></Impression>${extra}<Creatives><Creative><Linear><Duration>00:00:05</Duration><MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="640" height="360"><![CDATA[https://dsp.example/v.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>`;
const WRAPPER = (uri: string) => `<VAST version="3.0"><Ad id="w"><Wrapper><AdSystem>x</AdSystem><VASTAdTagURI><![CDATA[${uri}]]></VASTAdTagURI><Impression><![CDATA[https://dsp.example/w]]></Impression></Wrapper></Ad></VAST>`;
const VIDEO_IMP = { id: 'v', video: { mimes: ['video/mp4'], protocols: [2, 3, 5, 6], w: 640, h: 360 } };

describe('hostile VAST costs only its bid: refused with its loss code, the fair bidder wins', () => {
  it.each([
    ['an external entity (XXE)', `<?xml version="1.0"?><!DOCTYPE VAST [<!ENTITY x SYSTEM "file:///etc/passwd">]>${INLINE('<Error>&x;</Error>')}`, 3],
    ['a billion laughs', `<?xml version="1.0"?><!DOCTYPE VAST [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>${INLINE('<Error>&c;</Error>')}`, 3],
    ['a document over vast.maxDocumentBytes (256 KiB)', INLINE(`<Extensions><Extension><![CDATA[${'x'.repeat(262_144)}]]></Extension></Extensions>`), 3],
    ['markup that is not XML', '<VAST version="3.0"><Ad>', 3],
    ['VAST 1.0', '<VideoAdServingTemplate><Ad id="1"><InLine/></Ad></VideoAdServingTemplate>', 204],
    ['a version the imp does not accept (4.2)', INLINE().replace('version="3.0"', 'version="4.2"'), 204],
    ['a wrapper to the NAT64 form of the metadata address', WRAPPER('http://[64:ff9b::a9fe:a9fe]/latest/meta-data'), 1002],
    ['a wrapper to loopback', WRAPPER('http://127.0.0.1:1/vast.xml'), 1002],
    ['a wrapper to a file: URL', WRAPPER('file:///etc/passwd'), 1002],
  ])('%s', async (_name, markup, code) => {
    rig = await startRig({ hostile: { price: 9, videoMarkup: markup }, fair: { price: 1, videoMarkup: INLINE() } });
    const answer = await postAuction(rig.exchange, { id: 'vast-hostile', imp: [VIDEO_IMP] });
    expect(answer.json().seatbid.map((seat: { seat: string }) => seat.seat)).toEqual(['fair']);
    const refused = rig.exchange.logs.withMessage('bid rejected').filter((line) => line.bidder === 'hostile');
    expect(refused.map((line) => line.code)).toEqual([code]);
  });
});

describe('hostile tracker, sync and cache requests get a clear answer and cost nothing', () => {
  it('forged, oversized, altered and wrong-kind tracker tokens: 404, nothing billed; the real token bills once', async () => {
    rig = await startRig({ a: { price: 1.5 } });
    const bid = (await postAuction(rig.exchange, { id: 'tok', imp: imps(1) })).json().seatbid[0].bid[0];
    const token = new URL(bid.burl).searchParams.get('t')!;
    const click = /\/t\/click\?t=([^"&]+)/.exec(bid.adm)![1]!;
    const bytes = Buffer.from(token, 'base64url');
    bytes[bytes.length - 1] ^= 1;
    const cases: Array<[string, string]> = [
      ['9,000 characters', 'A'.repeat(9_000)],
      ['not base64url', 'tok$en/with*other+signs'],
      ['one bit flipped', bytes.toString('base64url')],
      ['empty', ''],
      ['a click token', click],
    ];
    for (const [what, value] of cases) {
      const answer = await http(`${rig.exchange.url}/t/imp?t=${value}`);
      expect([what, answer.status]).toEqual([what, value === '' ? 400 : 404]);
    }
    expect(rig.exchange.logs.withMessage('billing')).toHaveLength(0);
    expect((await http(`${rig.exchange.url}/t/imp?t=${token}`)).status).toBe(200);
    expect((await http(`${rig.exchange.url}/t/imp?t=${token}`)).status).toBe(200);
    await until(() => rig!.exchange.logs.withMessage('billing').length === 1, 'the one billing');
  });

  it.each([
    ['/setuid for a bidder without syncUrl', 'GET', '/setuid?bidder=a&uid=x', 400],
    ['/setuid with a 129-character uid', 'GET', `/setuid?bidder=s&uid=${'u'.repeat(129)}`, 400],
    ['/setuid with a control character', 'GET', '/setuid?bidder=s&uid=%07', 400],
    ['/cookie_sync with 1,001 bidders', 'POST', `/cookie_sync#${JSON.stringify({ bidders: Array.from({ length: 1_001 }, (_, i) => `b${i}`) })}`, 400],
    ['/cookie_sync nested 100,000 deep', 'POST', `/cookie_sync#{"bidders":${deep(100_000)}}`, 400],
    ['/sync redirecting to a host the bidder did not list', 'GET', '/sync?tag=s&data=x&location=https%3A%2F%2Fattacker.example%2F&sign=1', 400],
    ['/cache with 11 values (cache.putsPerRequest)', 'POST', `/cache#${JSON.stringify({ puts: Array.from({ length: 11 }, () => ({ type: 'xml', value: '<VAST/>' })) })}`, 400],
    ['/cache with a value over cache.maxValueBytes', 'POST', `/cache#${JSON.stringify({ puts: [{ type: 'xml', value: 'x'.repeat(65_537) }] })}`, 400],
    ['/cache naming its own key', 'POST', `/cache#${JSON.stringify({ puts: [{ type: 'xml', value: '<VAST/>', key: 'chosen' }] })}`, 400],
    ['/cache?uuid= of another shape', 'GET', '/cache?uuid=%00%00', 404],
  ])('%s', async (_what, method, target, status) => {
    rig = await startRig({ a: { price: 1 }, s: { price: 1, bidderConfig: { syncTag: 's', syncKey: 'k', syncUrl: 'https://s.example/sync?r={{redirect_url}}' } } }, {
      plugins: [{ name: 'user-sync', options: { cookieSecret: 'hostile-suite-cookie-secret' } }],
    });
    const [pathAndQuery, body] = target.split('#');
    const answer = await http(`${rig.exchange.url}${pathAndQuery}`, method === 'POST' ? { method: 'POST', body: body!, headers: { 'content-type': 'text/plain' } } : {});
    expect(answer.status).toBe(status);
    expect(answer.headers['set-cookie']).toBeUndefined();
    // The exchange still serves everyone else.
    expect((await postAuction(rig.exchange, { id: 'after', imp: imps(1) })).status).toBe(200);
  });
});
