import { afterEach, describe, expect, it } from 'vitest';
import { auctionLines, http, postAuction, startRig, type Rig } from './helpers.js';
import { until } from './until.js';

// When the page decides (`ext.prebid.targeting`, as Prebid.js always asks) and asks for Prebid Cache
// (`ext.prebid.cache`), as Prebid Server answers it (issue 16, items 4 and 5).

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const VAST = '<VAST version="4.0"><Ad id="a"><InLine><AdSystem>x</AdSystem><AdTitle>t</AdTitle><Impression><![CDATA[https://dsp.example/imp]]></Impression><Creatives><Creative><Linear><Duration>00:00:10</Duration><MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="640" height="360"><![CDATA[https://dsp.example/v.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>';
const notices = (rig: Rig, name: string, path: string) => rig.bidders[name]!.notices.filter((notice) => notice.url.startsWith(path));
const bidsOf = (body: { seatbid: Array<{ seat: string; bid: Array<Record<string, any>> }> }) =>
  Object.fromEntries(body.seatbid.map((seat) => [seat.seat, seat.bid]));

describe('ext.prebid.targeting: the page decides', () => {
  it('every bidder\'s best bid per imp at its own price, with targeting keys; below-floor and a bidder\'s lower bids lose at once', async () => {
    rig = await startRig({
      a: { price: 1.37, bidFields: { w: 300, h: 250 } },
      b: { price: 2.04, bidFields: { w: 300, h: 250 } },
      low: { price: 0.2 },
    });
    const self = (name: string) => rig!.bidders[name]!.url;
    for (const name of ['a', 'b', 'low']) rig.bidders[name]!.set({ nurl: `${self(name)}/win?p=\${AUCTION_PRICE}`, lurl: `${self(name)}/loss?r=\${AUCTION_LOSS}&m=\${AUCTION_MIN_TO_WIN}` });
    const answer = await postAuction(rig.exchange, {
      id: 'pd-1',
      imp: [{ id: '1', banner: { w: 300, h: 250 }, bidfloor: 0.5 }],
      ext: { prebid: { targeting: { pricegranularity: 'medium', includewinners: true, includebidderkeys: true } } },
    });
    expect(answer.status).toBe(200);
    const bids = bidsOf(answer.json());
    expect(Object.keys(bids).sort()).toEqual(['a', 'b']);
    expect(bids.a![0]!.price).toBe(1.37);
    expect(bids.b![0]!.price).toBe(2.04);
    // b is the highest: the unsuffixed keys are its; every bid has its own suffixed keys.
    expect(bids.b![0]!.ext.prebid.targeting).toEqual({
      hb_pb: '2.00', hb_bidder: 'b', hb_size: '300x250', hb_pb_b: '2.00', hb_bidder_b: 'b', hb_size_b: '300x250',
    });
    expect(bids.a![0]!.ext.prebid.targeting).toEqual({ hb_pb_a: '1.30', hb_bidder_a: 'a', hb_size_a: '300x250' });
    // No win notice yet: the exchange does not know the winner. The below-floor bid's loss notice goes at once.
    await until(() => notices(rig!, 'low', '/loss').length === 1, 'the below-floor loss notice');
    expect(notices(rig, 'low', '/loss')[0]!.url).toBe('/loss?r=100&m=0.5');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect([...notices(rig, 'a', '/win'), ...notices(rig, 'b', '/win'), ...notices(rig, 'a', '/loss'), ...notices(rig, 'b', '/loss')]).toEqual([]);
    // The page's ad server picked a: its ad renders, its impression tracker fires (twice): one win notice at its own price, one bill.
    const tracker = bids.a![0]!.burl.replace('localhost', '127.0.0.1');
    expect((await http(tracker)).status).toBe(200);
    expect((await http(tracker)).status).toBe(200);
    await until(() => notices(rig!, 'a', '/win').length === 1, 'a\'s win notice at render');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(notices(rig, 'a', '/win').map((notice) => notice.url)).toEqual(['/win?p=1.37']);
    expect(notices(rig, 'b', '/win')).toEqual([]);
    const billing = rig.exchange.logs.withMessage('billing');
    expect(billing.map((line) => [line.bidder, line.priceMicros])).toEqual([['a', 1_370_000]]);
    expect(rig.exchange.logs.withMessage('offer').map((line) => line.bidder).sort()).toEqual(['a', 'b']);
    expect(rig.exchange.logs.withMessage('win')).toEqual([]);
    // The auction log and the metrics say offered, not won: the page had not decided yet.
    const [line] = auctionLines(rig.exchange);
    expect(line!.bidders).toMatchObject({ a: { status: 'offer', paidMicros: null }, b: { status: 'offer', paidMicros: null }, low: { status: 'invalid' } });
    const metrics = (await http(`${rig.exchange.url}/metrics`)).text;
    expect(metrics).toMatch(/^rtb_bids_total\{bidder="a",status="offer",code=""\} 1$/m);
    expect(metrics).toMatch(/^rtb_bids_total\{bidder="a",status="win",code=""\} 0$/m);
  });

  it('without targeting the exchange\'s own auction decides, as before: one winner at the second price', async () => {
    rig = await startRig({ a: { price: 1.37 }, b: { price: 2.04 } });
    const body = (await postAuction(rig.exchange, { id: 'own-1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] })).json();
    expect(body.seatbid).toHaveLength(1);
    expect(body.seatbid[0].bid[0]).toMatchObject({ price: 1.38 });
    expect(body.seatbid[0].bid[0].ext.prebid.targeting).toBeUndefined();
  });

  it('a custom granularity buckets by its ranges; a bad one is a 400 naming it', async () => {
    rig = await startRig({ a: { price: 7.77 } });
    const granularity = { precision: 1, ranges: [{ max: 5, increment: 0.5 }, { max: 10, increment: 2 }] };
    const body = (await postAuction(rig.exchange, { id: 'g-1', imp: [{ id: '1', banner: { w: 300, h: 250 } }], ext: { prebid: { targeting: { pricegranularity: granularity, includebidderkeys: false } } } })).json();
    expect(body.seatbid[0].bid[0].ext.prebid.targeting).toEqual({ hb_pb: '7.0', hb_bidder: 'a' });
    const bad = await postAuction(rig.exchange, { id: 'g-2', imp: [{ id: '1', banner: { w: 1, h: 1 } }], ext: { prebid: { targeting: { pricegranularity: { ranges: [{ max: 5, increment: 0 }] } } } } });
    expect(bad.status).toBe(400);
    expect(bad.json().error.field).toBe('ext.prebid.targeting.pricegranularity');
  });
});

describe('ext.prebid.cache and the Prebid Cache endpoints', () => {
  it('a video bid\'s VAST is cached: ext.prebid.cache.vastXml, hb_uuid/hb_cache_host/hb_cache_path, served by GET /cache', async () => {
    rig = await startRig({ v: { price: 3, videoMarkup: VAST } });
    const answer = await postAuction(rig.exchange, {
      id: 'c-1',
      imp: [{ id: 'v', video: { mimes: ['video/mp4'], protocols: [2, 3, 5, 6, 7, 8], w: 640, h: 360 } }],
      ext: { prebid: { targeting: { includebidderkeys: false }, cache: { vastxml: { returnCreative: false }, bids: {} } } },
    });
    const [bid] = answer.json().seatbid[0].bid;
    expect(bid.adm).toBeUndefined();
    const { vastXml, bids } = bid.ext.prebid.cache;
    const base = rig.exchange.url;
    expect(vastXml.url).toBe(`${base}/cache?uuid=${vastXml.cacheId}`);
    expect(bid.ext.prebid.targeting).toMatchObject({ hb_uuid: vastXml.cacheId, hb_cache_id: bids.cacheId, hb_cache_host: new URL(base).host, hb_cache_path: '/cache', hb_pb: '3.00' });
    const vast = await http(`${rig.exchange.url}/cache?uuid=${vastXml.cacheId}`);
    expect(vast.status).toBe(200);
    expect(vast.headers['content-type']).toBe('application/xml; charset=utf-8');
    // The cached VAST is the delivered one: the exchange's impression tracker is in it.
    expect(vast.text).toContain('/t/imp?t=');
    const json = await http(`${rig.exchange.url}/cache?uuid=${bids.cacheId}`);
    expect(JSON.parse(json.text)).toMatchObject({ impid: 'v', price: 3 });
  });

  it('a VAST over cache.maxValueBytes is not stored: its bid is answered uncached, with its markup, and the others cached', async () => {
    rig = await startRig({ big: { price: 3, videoMarkup: VAST.replace('<AdTitle>t</AdTitle>', `<AdTitle>${'t'.repeat(5_000)}</AdTitle>`) }, small: { price: 2, videoMarkup: VAST } }, { cache: { maxValueBytes: 4_096 } });
    const answer = await postAuction(rig.exchange, {
      id: 'c-big',
      imp: [{ id: 'v', video: { mimes: ['video/mp4'], protocols: [2, 3, 5, 6, 7, 8], w: 640, h: 360 } }],
      ext: { prebid: { targeting: {}, cache: { vastxml: { returnCreative: false } } } },
    });
    const bids = bidsOf(answer.json());
    expect(bids.big![0]!.ext.prebid.cache).toBeUndefined();
    expect(bids.big![0]!.adm).toContain('<VAST');
    expect(bids.small![0]!.ext.prebid.cache.vastXml.cacheId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bids.small![0]!.adm).toBeUndefined();
    expect(rig.exchange.logs.withMessage('cache: values over cache.maxValueBytes not stored; their bids answered uncached')).toHaveLength(1);
  });

  it('POST /cache stores xml and json values and GET reads them back; limits and bad puts are 400s naming the field', async () => {
    rig = await startRig({}, { cache: { putsPerRequest: 2, maxValueBytes: 100 } });
    const post = (body: unknown) => http(`${rig!.exchange.url}/cache`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const stored = await post({ puts: [{ type: 'xml', value: '<VAST version="3.0"/>', ttlseconds: 60 }, { type: 'json', value: { a: 1 } }] });
    expect(stored.status).toBe(200);
    const [xml, json] = JSON.parse(stored.text).responses.map((entry: { uuid: string }) => entry.uuid);
    expect((await http(`${rig.exchange.url}/cache?uuid=${xml}`)).text).toBe('<VAST version="3.0"/>');
    expect(JSON.parse((await http(`${rig.exchange.url}/cache?uuid=${json}`)).text)).toEqual({ a: 1 });
    const cases: Array<[unknown, string]> = [
      [{ puts: [{ type: 'xml', value: 'a' }, { type: 'xml', value: 'b' }, { type: 'xml', value: 'c' }] }, 'puts'],
      [{ puts: [{ type: 'xml', value: 'x'.repeat(101) }] }, 'puts[0].value'],
      [{ puts: [{ type: 'xml', value: 'x', key: 'mine' }] }, 'puts[0].key'],
      [{ puts: [{ type: 'html', value: 'x' }] }, 'puts[0].type'],
      [{ puts: [{ type: 'xml', value: 1 }] }, 'puts[0].value'],
      [{ puts: [{ type: 'json', value: 1, ttlseconds: -5 }] }, 'puts[0].ttlseconds'],
      [{ puts: [] }, 'puts'],
    ];
    for (const [body, field] of cases) {
      const refused = await post(body);
      expect([refused.status, JSON.parse(refused.text).error.field]).toEqual([400, field]);
    }
    expect((await http(`${rig.exchange.url}/cache?uuid=00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await http(`${rig.exchange.url}/cache?uuid=not-a-uuid`)).status).toBe(404);
    expect((await http(`${rig.exchange.url}/cache`)).status).toBe(400);
  });
});
