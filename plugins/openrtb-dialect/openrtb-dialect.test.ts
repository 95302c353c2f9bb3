import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type BidderAnswer, type BidRequest, DecimalCpmPricing, type DecodedAnswer, type DecodedBid, downgradeTo25,
  parseConfig,
} from '../../core/index.js';
import { LogCapture } from '../../core/testing/index.js';
import { OpenRtbDialect } from './index.js';

function dialect(bidder: { openrtbVersion?: '2.5' | '2.6'; gzip?: boolean } = {}) {
  const exchange = parseConfig({ bidders: { dsp: { endpoint: 'http://127.0.0.1:9/bid', ...bidder } } });
  return new OpenRtbDialect({ name: 'dsp', config: exchange.bidders.dsp, log: new LogCapture().log, exchange }, new DecimalCpmPricing());
}

/** A 2.6 request carrying every field the 2.5 downgrade moves or drops, plus fields both versions share. */
function request26(): BidRequest {
  return {
    id: 'req-1',
    at: 2,
    tmax: 300,
    cur: ['USD'],
    wlangb: ['en'],
    cattax: 2,
    imp: [
      { id: '1', banner: { w: 300, h: 250 }, bidfloor: 0.5, bidfloorcur: 'USD', rwdd: 1, ssai: 0, qty: { multiplier: 1 }, dt: 1, refresh: { count: 1 } },
      { id: '2', video: { mimes: ['video/mp4'], protocols: [2, 3], plcmt: 1, podid: 'p', rqddurs: [15] } },
    ],
    site: { id: 'pub', page: 'https://pub.example/', cattax: 1, kwarray: ['news'] },
    device: { ua: 'test-ua', sua: { browsers: [] } },
    user: { id: 'u1', consent: 'CONSENT', eids: [{ source: 'id.example', uids: [{ id: 'e1' }] }], kwarray: ['k'], ext: { keep: true } },
    regs: { coppa: 0, gdpr: 1, us_privacy: '1YNN', gpp: 'DBABMA~', gpp_sid: [2] },
    source: { tid: 't1', schain: { complete: 1, nodes: [] } },
  };
}

describe('openrtb dialect encode', () => {
  const table: Array<['2.5' | '2.6', boolean, Record<string, string>]> = [
    ['2.6', false, { 'content-type': 'application/json', 'x-openrtb-version': '2.6', 'accept-encoding': 'gzip' }],
    ['2.5', false, { 'content-type': 'application/json', 'x-openrtb-version': '2.5', 'accept-encoding': 'gzip' }],
    ['2.6', true, { 'content-type': 'application/json', 'x-openrtb-version': '2.6', 'accept-encoding': 'gzip', 'content-encoding': 'gzip' }],
    ['2.5', true, { 'content-type': 'application/json', 'x-openrtb-version': '2.5', 'accept-encoding': 'gzip', 'content-encoding': 'gzip' }],
  ];
  it.each(table)('OpenRTB %s, gzip %s: exact headers, a body of the request as that version, gzipped only by agreement', (openrtbVersion, gzip, headers) => {
    const request = request26();
    const call = dialect({ openrtbVersion, gzip }).encode(request);
    expect(call.headers).toEqual(headers);
    expect(call.path).toBeUndefined();
    const expected = JSON.stringify(openrtbVersion === '2.5' ? downgradeTo25(request) : request);
    if (gzip) {
      expect(Buffer.isBuffer(call.body)).toBe(true);
      expect((call.body as Buffer).subarray(0, 2).toString('hex')).toBe('1f8b');
      expect(gunzipSync(call.body as Buffer).toString('utf8')).toBe(expected);
    } else {
      expect(call.body).toBe(expected);
    }
  });

  it('2.5: moves gdpr, us_privacy, consent, eids and schain into ext and drops 2.6-only fields', () => {
    const sent = JSON.parse(dialect({ openrtbVersion: '2.5' }).encode(request26()).body as string);
    expect(sent.regs).toEqual({ coppa: 0, ext: { gdpr: 1, us_privacy: '1YNN' } });
    expect(sent.user).toEqual({ id: 'u1', ext: { keep: true, consent: 'CONSENT', eids: [{ source: 'id.example', uids: [{ id: 'e1' }] }] } });
    expect(sent.source).toEqual({ tid: 't1', ext: { schain: { complete: 1, nodes: [] } } });
    expect(sent.site).toEqual({ id: 'pub', page: 'https://pub.example/' });
    expect(sent.device).toEqual({ ua: 'test-ua' });
    expect(sent.wlangb).toBeUndefined();
    expect(sent.cattax).toBeUndefined();
    expect(sent.imp).toEqual([
      { id: '1', banner: { w: 300, h: 250 }, bidfloor: 0.5, bidfloorcur: 'USD' },
      { id: '2', video: { mimes: ['video/mp4'], protocols: [2, 3] } },
    ]);
    expect(sent).toMatchObject({ id: 'req-1', at: 2, tmax: 300, cur: ['USD'] });
  });

  it('2.6 sends the request as it is, 2.6 fields in place', () => {
    const sent = JSON.parse(dialect({ openrtbVersion: '2.6' }).encode(request26()).body as string);
    expect(sent).toEqual(request26());
  });

  it.each([['2.5', false], ['2.5', true], ['2.6', true]] as const)('OpenRTB %s, gzip %s: the canonical request object is not mutated', (openrtbVersion, gzip) => {
    const request = request26();
    deepFreeze(request);
    dialect({ openrtbVersion, gzip }).encode(request);
    expect(request).toEqual(request26());
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The request the answers below answer: a banner, a video-only, an audio-only, a native and a banner+video imp. */
const asked: BidRequest = {
  id: 'req-1',
  imp: [
    { id: 'b', banner: { w: 300, h: 250 } },
    { id: 'v', video: { mimes: ['video/mp4'] } },
    { id: 'a', audio: { mimes: ['audio/mp4'] } },
    { id: 'n', native: { request: '{}' } },
    { id: 'm', banner: { w: 300, h: 250 }, video: { mimes: ['video/mp4'] } },
  ],
};

function answer(status: number, body: unknown = ''): BidderAnswer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers: {}, body: Buffer.from(text, 'utf8') };
}

const decode = (a: BidderAnswer): DecodedAnswer => dialect().decode(a, asked);

/** A 200 answer with these bids in one seat. */
const withBids = (bids: unknown[], extra: Record<string, unknown> = {}) => answer(200, { id: 'req-1', seatbid: [{ seat: 'seat-1', bid: bids }], ...extra });

function bidsOf(decoded: DecodedAnswer): readonly DecodedBid[] {
  expect(decoded.kind).toBe('bids');
  return (decoded as { bids: readonly DecodedBid[] }).bids;
}

describe('openrtb dialect decode: what an answer means (K4)', () => {
  const table: Array<[string, BidderAnswer, Record<string, unknown>]> = [
    ['204', answer(204), { kind: 'nobid', reason: '204' }],
    ['400: our request was malformed', answer(400, '{"error":"bad"}'), { kind: 'error', ourFault: true }],
    ['500', answer(500, 'oops'), { kind: 'error', reason: 'HTTP 500' }],
    ['302', answer(302), { kind: 'error', reason: 'HTTP 302' }],
    ['an empty 200', answer(200), { kind: 'nobid', reason: 'empty 200' }],
    ['a 200 that is not JSON', answer(200, '{"id": "req-1", seatbid: ['), { kind: 'error', reason: 'answer is not JSON' }],
    ['a JSON array', answer(200, '[]'), { kind: 'error', reason: 'answer is not a JSON object' }],
    ['JSON null', answer(200, 'null'), { kind: 'error', reason: 'answer is not a JSON object' }],
    ['a JSON string', answer(200, '"bid"'), { kind: 'error', reason: 'answer is not a JSON object' }],
    ['only a no-bid reason', answer(200, { nbr: 2 }), { kind: 'nobid', reason: 'nbr 2' }],
    ['an id and a no-bid reason', answer(200, { id: 'req-1', nbr: 0 }), { kind: 'nobid', reason: 'nbr 0' }],
    ['an empty object', answer(200, {}), { kind: 'nobid', reason: 'no seatbid' }],
    ['an empty seatbid', answer(200, { id: 'req-1', seatbid: [] }), { kind: 'nobid', reason: 'no seatbid' }],
    ['seatbids without bids', answer(200, { id: 'req-1', seatbid: [{ bid: [] }, { seat: 'x' }, 5] }), { kind: 'nobid', reason: 'no bid in seatbid' }],
    ['a seatbid that is not an array', answer(200, { id: 'req-1', seatbid: { bid: [] } }), { kind: 'error', reason: 'seatbid is not an array' }],
    ['an answer to another request', withBids([{ id: 'x', impid: 'b', price: 1, adm: '<b>' }], { id: 'other' }), { kind: 'error', reason: 'answer id "other" is not the request\'s' }],
  ];
  it.each(table)('%s', (_name, a, expected) => {
    const decoded = decode(a);
    expect(decoded).toMatchObject(expected);
    if (expected.kind === 'error' && !expected.ourFault) expect((decoded as { ourFault?: boolean }).ourFault).toBeUndefined();
  });
});

describe('openrtb dialect decode: bids', () => {
  // [wire price, micros or null, invalid code if any]
  const prices: Array<[unknown, number | null, number | undefined]> = [
    [0.29, 290_000, undefined],
    [1, 1_000_000, undefined],
    [1.5, 1_500_000, undefined],
    [2.675, 2_675_000, undefined],
    [0.1 + 0.2, 300_000, undefined],
    [0.000001, 1, undefined],
    [0.0000019, 1, undefined],
    [1234.567891, 1_234_567_891, undefined],
    [0, 0, undefined],
    ['1.5', null, 3],
    [-1, null, 3],
    [true, null, 3],
    [{ cpm: 1 }, null, 3],
    [undefined, null, 9],
    [null, null, 9],
  ];
  it.each(prices)('price %j → %j micros (invalid code %j)', (price, micros, code) => {
    const [decoded] = bidsOf(decode(withBids([{ id: 'x', impid: 'b', price, adm: '<b>', mtype: 1 }])));
    expect(decoded.priceMicros).toBe(micros);
    expect(decoded.invalid?.code).toBe(code);
  });

  // [impid, mtype, format]
  const formats: Array<[string, number | undefined, string]> = [
    ['b', 1, 'html'],
    ['v', 2, 'vast'],
    ['a', 3, 'vast'],
    ['n', 4, 'native'],
    ['b', undefined, 'html'],
    ['v', undefined, 'vast'],
    ['a', undefined, 'vast'],
    ['n', undefined, 'native'],
    ['m', 2, 'vast'],
    ['m', undefined, 'html'],
    ['b', 9, 'html'],
    ['unknown-imp', undefined, 'html'],
  ];
  it.each(formats)('imp %s, mtype %j → %s markup', (impid, mtype, format) => {
    const [decoded] = bidsOf(decode(withBids([{ id: 'x', impid, price: 1, adm: '<x>', ...(mtype === undefined ? {} : { mtype }) }])));
    expect(decoded.admFormat).toBe(format);
  });

  it('keeps the bid as sent, its seat and the answer currency (USD when absent)', () => {
    const wire = { id: 'bid-1', impid: 'b', price: 1.25, adm: '<b>ad</b>', mtype: 1, nurl: 'http://dsp/win?p=${AUCTION_PRICE}', crid: 'c1' };
    const [decoded] = bidsOf(decode(withBids([wire])));
    expect(decoded).toEqual({ bid: wire, seat: 'seat-1', currency: 'USD', priceMicros: 1_250_000, admFormat: 'html' });
  });

  it.each([['EUR', 'EUR'], [5, 'USD'], [undefined, 'USD']])('cur %j → currency %s', (cur, currency) => {
    const [decoded] = bidsOf(decode(withBids([{ id: 'x', impid: 'b', price: 1, adm: '<b>' }], { cur })));
    expect(decoded.currency).toBe(currency);
  });

  it('reads every bid of every seat, in order, and skips entries that are not objects', () => {
    const decoded = bidsOf(decode(answer(200, {
      id: 'req-1',
      seatbid: [
        { seat: 's1', bid: [{ id: '1', impid: 'b', price: 1, adm: '<b>' }, 'junk', { id: '2', impid: 'v', price: 2, adm: '<VAST/>' }] },
        'junk',
        { bid: [{ id: '3', impid: 'n', price: 3, adm: '{}' }] },
      ],
    })));
    expect(decoded.map((d) => [d.bid.id, d.seat, d.priceMicros, d.admFormat])).toEqual([
      ['1', 's1', 1_000_000, 'html'],
      ['2', 's1', 2_000_000, 'vast'],
      ['3', undefined, 3_000_000, 'native'],
    ]);
  });

  it('an answer without id is read', () => {
    expect(bidsOf(decode(answer(200, { seatbid: [{ bid: [{ id: '1', impid: 'b', price: 1, adm: '<b>' }] }] })))).toHaveLength(1);
  });

  it('a bid without impid is invalid with 3, its price still read', () => {
    const [decoded] = bidsOf(decode(withBids([{ id: '1', price: 1, adm: '<b>' }])));
    expect(decoded.priceMicros).toBe(1_000_000);
    expect(decoded.invalid).toMatchObject({ code: 3 });
  });

  it('a valid bid carries no invalid flag', () => {
    const [decoded] = bidsOf(decode(withBids([{ id: '1', impid: 'b', price: 1, adm: '<b>' }])));
    expect(decoded).not.toHaveProperty('invalid');
  });

  it.each([
    ['an object', { assets: [], link: { url: 'https://adv.example/' } }],
    ['an object with the pre-1.1 native root', { native: { assets: [], link: { url: 'https://adv.example/' } } }],
  ])('a native adm sent as %s becomes the same JSON as text', (_name, adm) => {
    const [decoded] = bidsOf(decode(withBids([{ id: '1', impid: 'n', price: 1, adm, mtype: 4 }])));
    expect(decoded.bid.adm).toBe(JSON.stringify(adm));
    expect(decoded.admFormat).toBe('native');
  });

  it('a non-native adm object is left as sent (and rejected by validation as missing markup)', () => {
    const [decoded] = bidsOf(decode(withBids([{ id: '1', impid: 'b', price: 1, adm: { html: '<b>' }, mtype: 1 }])));
    expect(decoded.bid.adm).toEqual({ html: '<b>' });
  });
});
