import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../core/index.js';
import { startTestExchange } from '../../core/testing/index.js';
import { auctionLines, http, postAuction, startRig, type Rig } from '../../test/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const host = (config: Record<string, unknown> = {}) => ({ dialect: 'rtb-host', pricing: 'chips', ...config });

/** The request headers minus those the HTTP client adds for any request. */
function dialectHeaders(headers: Record<string, unknown>) {
  const { host: _h, connection: _c, 'content-length': _l, 'transfer-encoding': _t, ...rest } = headers;
  return rest;
}

async function tag(current: Rig, query = 'site=s') {
  const answer = await http(`${current.exchange.url}/ad?${query}`, {
    headers: { 'user-agent': 'Mozilla/5.0 test', referer: 'https://pub.example/news', 'accept-language': 'ru-RU,ru;q=0.9' },
  });
  return { answer, line: auctionLines(current.exchange).at(-1)! };
}

const SCRIPT = "document.write('<a href=\"https://dsp.example/c\">ad</a>');";

describe('rtb-host request on the wire (R2)', () => {
  it('an OpenRTB caller\'s request: exact headers, the canonical JSON with the floor in chips and the units', async () => {
    rig = await startRig({ h: { dialect: 'rtb-host', price: 500, bidderConfig: host({ units: 0 }) } });
    const inbound = { id: 'host-1', imp: [{ id: '1', banner: { w: 240, h: 400 }, bidfloor: 1.234 }], site: { id: 'pub', page: 'https://pub.example/p' } };
    await postAuction(rig.exchange, inbound);
    const [sent] = rig.bidders.h.requests;
    expect(sent.url).toBe('/bid');
    expect(dialectHeaders(sent.headers)).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(sent.wire.toString('utf8'))).toEqual({
      id: 'host-1',
      imp: [{ id: '1', banner: { w: 240, h: 400 }, bidfloor: 124, bidfloorcur: 'USD' }],
      site: { id: 'pub', page: 'https://pub.example/p' },
      tmax: 300,
      at: 2,
      cur: ['USD'],
      units: 0,
    });
  });

  // MinCPM 0.105 is 10.5 chips at units 0: sent as 11, so a bid at the sent floor clears the real one.
  it.each([
    [0, 11],
    [1, 1],
    [2, 105],
  ])('a tag request at units %i sends the 0.105 floor as %i chips', async (units, chips) => {
    rig = await startRig({ h: { dialect: 'rtb-host', price: chips, units, bidderConfig: host({ units }) } });
    const { answer, line } = await tag(rig, 'site=s&mincpm=0.105');
    const sent = rig.bidders.h.requests[0].json;
    expect(sent).toMatchObject({ units, tmax: 300, imp: [{ id: '1', bidfloor: chips, bidfloorcur: 'USD', banner: { w: 300, h: 250 } }] });
    expect(sent.site).toMatchObject({ id: 's', page: 'https://pub.example/news' });
    expect(sent.device).toMatchObject({ ua: 'Mozilla/5.0 test', language: 'ru' });
    expect(answer.status).toBe(200);
    expect(line.bidders.h.status).toBe('win');
  });

  it('gzip by agreement: the body is gzipped JSON', async () => {
    rig = await startRig({ h: { dialect: 'rtb-host', price: 100, gzip: true, bidderConfig: host({ gzip: true }) } });
    const { line } = await tag(rig);
    const [sent] = rig.bidders.h.requests;
    expect(dialectHeaders(sent.headers)).toEqual({ 'content-type': 'application/json', 'accept-encoding': 'gzip', 'content-encoding': 'gzip' });
    expect(JSON.parse(gunzipSync(sent.wire).toString('utf8'))).toMatchObject({ units: 0, imp: [{ id: '1' }] });
    expect(line.bidders.h.status).toBe('win');
  });
});

describe('rtb-host answers (R7, R8)', () => {
  it('the tag answer is the winner\'s adm JavaScript, as is (the exchange\'s own trackers may follow it)', async () => {
    rig = await startRig({ h: { dialect: 'rtb-host', price: 20_000, markup: SCRIPT, bidderConfig: host() } });
    const { answer, line } = await tag(rig);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('application/javascript');
    expect(answer.text.startsWith(SCRIPT)).toBe(true);
    expect(line.bidders.h).toMatchObject({ status: 'win', priceMicros: 200_000_000 });
  });

  // 200 per thousand: 20000 chips at units 0, 200 at units 1, 200000 at units 2 (R8's example).
  it.each([
    ['configured units 0', { price: 20_000 }, { units: 0 }],
    ['configured units 1', { price: 200 }, { units: 1 }],
    ['configured units 2', { price: 200_000 }, { units: 2 }],
    ['answer units 1 over configured 0', { price: 200, units: 1 }, { units: 0 }],
    ['answer units 2 over configured 1', { price: 200_000, units: 2 }, { units: 1 }],
    ['bid units 1 over answer units 2', { price: 200, units: 2, bidFields: { units: 1 } }, { units: 0 }],
  ])('%s: the bid is 200 per thousand', async (_, options, config) => {
    rig = await startRig({ h: { dialect: 'rtb-host', ...options, bidderConfig: host(config) } });
    const { line } = await tag(rig);
    expect(line.bidders.h).toMatchObject({ status: 'win', priceMicros: 200_000_000 });
  });

  it.each([
    ['a fractional price', 3, { price: 150.5 }],
    ['a numeric string', 3, { bidFields: { price: '150' } }],
    ['a negative price', 3, { price: -150 }],
    ['no price', 9, { bidFields: { price: undefined } }],
    ['an unknown units code', 3, { units: 7 }],
    ['no adm', 7, { bidFields: { adm: undefined } }],
  ])('%s is invalid (loss code %i), and the valid bid wins', async (_, code, options) => {
    rig = await startRig({
      bad: { dialect: 'rtb-host', price: 150, ...options, bidderConfig: host() },
      good: { dialect: 'rtb-host', price: 120, bidderConfig: host() },
    });
    const { line } = await tag(rig);
    expect(line.bidders.bad.status).toBe('invalid');
    expect(line.bidders.good.status).toBe('win');
    expect(rig.exchange.logs.withMessage('bid rejected')).toMatchObject([{ bidder: 'bad', code }]);
  });

  it.each([
    ['204', { status: 204 }],
    ['an empty bidset', { respond: () => ({ status: 200, body: JSON.stringify({ bidset: [] }) }) }],
    ['an empty 200', { respond: () => ({ status: 200, body: '' }) }],
  ])('%s is a no-bid and the tag gets an empty answer', async (_, options) => {
    rig = await startRig({ h: { dialect: 'rtb-host', ...options, bidderConfig: host() } });
    const { answer, line } = await tag(rig);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(line.bidders.h.status).toBe('nobid');
  });

  it('the winner pays max(MinCPM, second price + step) (R5)', async () => {
    rig = await startRig({
      a: { dialect: 'rtb-host', price: 180, bidderConfig: host({ units: 0 }) },
      b: { dialect: 'rtb-host', price: 1_500, units: 2, bidderConfig: host({ units: 0 }) },
    }, { auction: { step: 0.01 } });
    expect((await tag(rig, 'site=s&mincpm=0.5')).line.bidders).toMatchObject({
      a: { status: 'win', priceMicros: 1_800_000, paidMicros: 1_510_000 },
      b: { status: 'loss', priceMicros: 1_500_000 },
    });
    expect((await tag(rig, 'site=s&mincpm=1.6')).line.bidders).toMatchObject({
      a: { status: 'win', paidMicros: 1_600_000 },
      b: { status: 'invalid', priceMicros: 1_500_000 },
    });
  });
});

describe('configuration', () => {
  it('an rtb-host bidder with no pricing of its own prices in chips (the dialect\'s default)', async () => {
    const exchange = await startTestExchange({ bidders: { h: { endpoint: 'http://127.0.0.1:9/bid', dialect: 'rtb-host' } } }, builtinRegistry());
    try {
      expect(exchange.exchange.plan.bidders).toMatchObject([{ name: 'h', dialect: 'rtb-host', pricing: 'chips' }]);
    } finally {
      await exchange.stop();
    }
  });

  it('an rtb-host bidder explicitly on decimal-cpm pricing stops start-up', async () => {
    await expect(startTestExchange({ bidders: { h: { endpoint: 'http://127.0.0.1:9/bid', dialect: 'rtb-host', pricing: 'decimal-cpm' } } }, builtinRegistry()))
      .rejects.toThrow(/bidders\.h\.pricing: the rtb-host dialect prices in integer chips/);
  });
});
