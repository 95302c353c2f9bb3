import { afterEach, describe, expect, it } from 'vitest';
import { http, postAuction, startRig, type Rig } from './helpers.js';
import { until } from './until.js';

// What an OpenRTB caller (Prebid.js's prebidServerBidAdapter, or any server) reads from `POST /openrtb2/auction`,
// as Prebid Server answers it (issue 16, items 1, 3 and 4): the exchange's own notice URLs only, mtype and
// ext.prebid.type always set, per-bidder response times and errors, an empty seatbid for no fill, CORS for pages.

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const banner = (id: string) => ({ id, imp: [{ id: '1', banner: { w: 300, h: 250 } }] });
const notices = (rig: Rig, name: string, path: string) => rig.bidders[name]!.notices.filter((notice) => notice.url.startsWith(path));

describe('a bid in the answer carries only the exchange\'s notices', () => {
  it('no nurl or lurl; burl is the exchange\'s impression tracker: a client firing it, and the markup\'s pixel, bill once', async () => {
    rig = await startRig({
      dsp: { price: 1.5, nurl: 'http://127.0.0.1:1/unused', burl: '' },
      other: { price: 1, lurl: '' },
    });
    const self = (name: string) => `${rig!.bidders[name]!.url}`;
    rig.bidders.dsp!.set({ nurl: `${self('dsp')}/win?p=\${AUCTION_PRICE}`, burl: `${self('dsp')}/bill?p=\${AUCTION_PRICE}`, lurl: `${self('dsp')}/loss` });
    rig.bidders.other!.set({ nurl: `${self('other')}/win`, lurl: `${self('other')}/loss?r=\${AUCTION_LOSS}` });
    const answer = await postAuction(rig.exchange, banner('notices-1'));
    expect(answer.status).toBe(200);
    const [seat] = answer.json().seatbid;
    const [bid] = seat.bid;
    expect(seat.seat).toBe('dsp');
    expect(bid.nurl).toBeUndefined();
    expect(bid.lurl).toBeUndefined();
    expect(bid.burl).toMatch(new RegExp(`^${rig.exchange.url.replace('127.0.0.1', '(127\\.0\\.0\\.1|localhost)')}/t/imp\\?t=`));
    // The exchange sends the win and loss notices itself, once each.
    await until(() => notices(rig!, 'dsp', '/win').length === 1 && notices(rig!, 'other', '/loss').length === 1, 'the win and the loss notice');
    // The client fires burl, and the markup's pixel fires too: one billing notice reaches the bidder.
    const pixel = /<img src="([^"]+\/t\/imp\?t=[^"]+)"/.exec(bid.adm)![1]!.replace('localhost', '127.0.0.1');
    const burl = (bid.burl as string).replace('localhost', '127.0.0.1');
    const hits = await Promise.all([http(burl), http(pixel), http(burl)]);
    expect(hits.map((hit) => hit.status)).toEqual([200, 200, 200]);
    await until(() => notices(rig!, 'dsp', '/bill').length === 1, 'the billing notice');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notices(rig, 'dsp', '/bill').map((notice) => notice.url)).toEqual(['/bill?p=1.01']);
    expect(notices(rig, 'dsp', '/win')).toHaveLength(1);
  });
});

describe('bidder routing: imp[].ext.prebid.bidder names which bidders to ask, with their params', () => {
  it('only named bidders are asked, each with its own params in imp.ext.bidder and only its imps; an unknown code is reported', async () => {
    rig = await startRig({ a: { price: 1 }, b: { price: 3 }, c: { price: 2 } });
    const request = {
      id: 'routed-1',
      imp: [
        { id: '1', banner: { w: 300, h: 250 }, ext: { gpid: '/slot/1', prebid: { bidder: { a: { placement: 1 }, c: { placement: 7 }, ghost: { x: 1 } } } } },
        { id: '2', banner: { w: 728, h: 90 }, ext: { prebid: { bidder: { a: { placement: 2 } } } } },
      ],
    };
    const answer = await postAuction(rig.exchange, request);
    expect(answer.status).toBe(200);
    const body = answer.json();
    // b bid highest, but the page did not name it: it is not asked, so it cannot win an impression Prebid would drop.
    expect(rig.bidders.b!.requests).toEqual([]);
    const sentTo = (name: string) => rig!.bidders[name]!.requests[0]!.json.imp;
    expect(sentTo('a')).toEqual([
      { id: '1', banner: { w: 300, h: 250 }, ext: { gpid: '/slot/1', bidder: { placement: 1 } } },
      { id: '2', banner: { w: 728, h: 90 }, ext: { bidder: { placement: 2 } } },
    ]);
    expect(sentTo('c')).toEqual([{ id: '1', banner: { w: 300, h: 250 }, ext: { gpid: '/slot/1', bidder: { placement: 7 } } }]);
    const won = Object.fromEntries(body.seatbid.flatMap((seat: { seat: string; bid: Array<{ impid: string }> }) => seat.bid.map((bid) => [bid.impid, seat.seat])));
    expect(won).toEqual({ 1: 'c', 2: 'a' });
    expect(body.ext.errors).toEqual({ ghost: [{ code: 999, message: 'unknown bidder: no bidder "ghost" on this exchange' }] });
    expect(Object.keys(body.ext.responsetimemillis).sort()).toEqual(['a', 'c']);
  });

  it('without names every bidder is asked, as before; a malformed bidder object is a 400 naming it', async () => {
    rig = await startRig({ a: { price: 1 }, b: { price: 3 } });
    expect((await postAuction(rig.exchange, banner('unrouted-1'))).json().seatbid[0].seat).toBe('b');
    const bad = await postAuction(rig.exchange, { id: 'bad', imp: [{ id: '1', banner: { w: 1, h: 1 }, ext: { prebid: { bidder: ['a'] } } }] });
    expect(bad.status).toBe(400);
    expect(bad.json().error.field).toBe('imp[0].ext.prebid.bidder');
  });
});

describe('what Prebid reads', () => {
  it('mtype and ext.prebid.type are set, filled from the imp when the bidder left mtype out', async () => {
    rig = await startRig({ video: { price: 2, bidFields: { mtype: undefined }, videoMarkup: '<VAST version="4.0"><Ad id="a"><InLine><AdSystem>x</AdSystem><AdTitle>t</AdTitle><Impression><![CDATA[https://dsp.example/imp]]></Impression><Creatives><Creative><Linear><Duration>00:00:10</Duration><MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="640" height="360"><![CDATA[https://dsp.example/v.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>' } });
    const answer = await postAuction(rig.exchange, { id: 'video-1', imp: [{ id: 'v', video: { mimes: ['video/mp4'], protocols: [2, 3, 5, 6, 7, 8], w: 640, h: 360 } }] });
    const [bid] = answer.json().seatbid[0].bid;
    expect([bid.mtype, bid.ext.prebid.type]).toEqual([2, 'video']);
  });

  it('no fill is a 200 with an empty seatbid, with each bidder\'s response time; a bidder\'s timeout and error are in ext.errors', async () => {
    rig = await startRig({ slow: { price: 1, delayMs: 500 }, broken: { status: 500 }, quiet: {} }, { auction: { tmaxMs: 150 } });
    const answer = await postAuction(rig.exchange, banner('nofill-1'));
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(body).toMatchObject({ id: 'nofill-1', seatbid: [] });
    expect(Object.keys(body.ext.responsetimemillis).sort()).toEqual(['broken', 'quiet', 'slow']);
    expect(body.ext.responsetimemillis.slow).toBeGreaterThanOrEqual(140);
    expect(body.ext.errors).toEqual({ slow: [{ code: 1, message: expect.any(String) }], broken: [{ code: 3, message: 'HTTP 500' }] });
  });
});

describe('CORS for the pages server.cors allows (Prebid.js sends credentials)', () => {
  const origin = 'https://publisher.example';

  it('a preflight and the request from an allowed page get its own origin and credentials allowed; another page gets nothing', async () => {
    rig = await startRig({ dsp: { price: 1 } }, { server: { cors: { origins: [origin] } } });
    const url = `${rig.exchange.url}/openrtb2/auction`;
    const preflight = await http(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'content-type',
      vary: expect.stringMatching(/origin/i),
    });
    const answer = await http(url, { method: 'POST', body: JSON.stringify(banner('cors-1')), headers: { origin, 'content-type': 'text/plain' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(origin);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');

    const stranger = await http(url, { method: 'POST', body: JSON.stringify(banner('cors-2')), headers: { origin: 'https://other.example' } });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    const strangerPreflight = await http(url, { method: 'OPTIONS', headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' } });
    expect(strangerPreflight.status).toBe(403);
  });

  it("'*' allows any page, still echoing its origin (credentials forbid a literal *)", async () => {
    rig = await startRig({ dsp: { price: 1 } }, { server: { cors: { origins: '*' } } });
    const answer = await http(`${rig.exchange.url}/openrtb2/auction`, { method: 'POST', body: JSON.stringify(banner('cors-3')), headers: { origin: 'https://any.example' } });
    expect(answer.headers['access-control-allow-origin']).toBe('https://any.example');
  });
});
