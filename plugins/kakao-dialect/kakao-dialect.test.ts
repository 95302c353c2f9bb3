import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { auctionLines, postAuction, startRig, type Rig } from '../../test/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** An OpenRTB 2.6 request as a publisher's server would send it to the exchange. */
const inbound = (id: string) => ({
  id,
  imp: [{ id: '1', banner: { w: 300, h: 250 } }],
  site: { id: 'pub', page: 'https://pub.example/article' },
  device: { ua: 'Mozilla/5.0 test', ip: '203.0.113.7' },
  regs: { gdpr: 1 },
});

/** What the exchange forwards of `inbound(id)`: the same request with the deadline, auction type and currency. */
const forwarded = (id: string) => ({ ...inbound(id), tmax: 300, at: 2, cur: ['USD'] });

/** The request headers minus those the HTTP client adds for any request. */
function dialectHeaders(headers: Record<string, unknown>) {
  const { host: _h, connection: _c, 'content-length': _l, 'transfer-encoding': _t, ...rest } = headers;
  return rest;
}

const kakao = (config: Record<string, unknown> = {}) => ({ dialect: 'kakao', ...config });

describe('kakao dialect on the wire (K1–K3)', () => {
  it('2.6 without gzip: exact headers, a plain JSON body', async () => {
    rig = await startRig({ k: { price: 1.5, bidderConfig: kakao({ openrtbVersion: '2.6' }) } });
    const answer = await postAuction(rig.exchange, inbound('kakao-plain'));
    expect(answer.status).toBe(200);
    const [sent] = rig.bidders.k.requests;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/bid');
    expect(dialectHeaders(sent.headers)).toEqual({
      'content-type': 'application/json',
      'x-openrtb-version': '2.6',
      'x-kakaortb-version': '1.0.0',
    });
    expect(sent.wire.subarray(0, 2).toString('hex')).not.toBe('1f8b');
    expect(JSON.parse(sent.wire.toString('utf8'))).toEqual(forwarded('kakao-plain'));
  });

  it('2.5 with gzip agreed: Accept-Encoding and Content-Encoding gzip, a gzipped 2.5 body', async () => {
    rig = await startRig({ k: { price: 1.5, bidderConfig: kakao({ openrtbVersion: '2.5', gzip: true }) } });
    await postAuction(rig.exchange, inbound('kakao-gzip'));
    const [sent] = rig.bidders.k.requests;
    expect(dialectHeaders(sent.headers)).toEqual({
      'content-type': 'application/json',
      'x-openrtb-version': '2.5',
      'x-kakaortb-version': '1.0.0',
      'accept-encoding': 'gzip',
      'content-encoding': 'gzip',
    });
    expect(sent.wire.subarray(0, 2).toString('hex')).toBe('1f8b');
    const { regs: _regs, ...rest } = forwarded('kakao-gzip');
    expect(JSON.parse(gunzipSync(sent.wire).toString('utf8'))).toEqual({ ...rest, regs: { ext: { gdpr: 1 } } });
  });

  it('a gzipped answer is read', async () => {
    rig = await startRig({ k: { price: 1.5, gzip: true, bidderConfig: kakao({ gzip: true }) } });
    const answer = await postAuction(rig.exchange, inbound('kakao-gz-answer'));
    expect(answer.status).toBe(200);
    expect(answer.json().seatbid[0].seat).toBe('k');
    expect(auctionLines(rig.exchange).at(-1)!.bidders.k).toMatchObject({ status: 'win', priceMicros: 1_500_000 });
  });
});

describe('kakao answers (K4–K6)', () => {
  const cases: Array<[string, Record<string, unknown>, string, string | undefined]> = [
    ['204 is a no-bid', { status: 204 }, 'nobid', '204'],
    ['200 with only nbr is a no-bid', { nbr: 2 }, 'nobid', 'nbr 2'],
    ['400 is our malformed request', { status: 400 }, 'error', 'bidder answered 400: it says our request is malformed'],
    ['500 is an error', { status: 500 }, 'error', 'HTTP 500'],
  ];
  it.each(cases)('%s', async (_, options, status, detail) => {
    rig = await startRig({ k: { ...options, bidderConfig: kakao() } });
    const answer = await postAuction(rig.exchange, inbound('kakao-answer'));
    expect([answer.status, answer.json().seatbid]).toEqual([200, []]);
    expect(auctionLines(rig.exchange).at(-1)!.bidders.k).toMatchObject({ status, detail });
    const blamed = rig.exchange.logs.withMessage('bidder refused our bid request as malformed');
    expect(blamed.length).toBe(status === 'error' && options.status === 400 ? 1 : 0);
  });

  it('a late answer is a no-bid by timeout (K5)', async () => {
    rig = await startRig({ k: { price: 2, delayMs: 400, bidderConfig: kakao({ timeoutMs: 50 }) } });
    await postAuction(rig.exchange, inbound('kakao-late'));
    expect(auctionLines(rig.exchange).at(-1)!.bidders.k.status).toBe('timeout');
  });

  it.each([
    ['empty adm', { markup: '' }],
    ['no adm (markup on win notice)', { bidFields: { adm: undefined, nurl: 'https://dsp.example/win?p=${AUCTION_PRICE}' } }],
  ])('a bid with %s loses with code 7 while a bid with markup wins', async (_, options) => {
    rig = await startRig({ k: { price: 3, ...options, bidderConfig: kakao() }, other: { price: 1, bidderConfig: kakao() } });
    const answer = await postAuction(rig.exchange, inbound('kakao-noadm'));
    expect(answer.json().seatbid.map((seat: { seat: string }) => seat.seat)).toEqual(['other']);
    expect(auctionLines(rig.exchange).at(-1)!.bidders.k.status).toBe('invalid');
    expect(rig.exchange.logs.withMessage('bid rejected')).toMatchObject([{ bidder: 'k', code: 7 }]);
  });
});

describe('x-openrtb-version echo check', () => {
  it('an answer declaring another version is logged, and still read', async () => {
    rig = await startRig({ k: { price: 1.5, answerHeaders: { 'x-openrtb-version': '2.5' }, bidderConfig: kakao({ openrtbVersion: '2.6' }) } });
    const answer = await postAuction(rig.exchange, inbound('kakao-echo'));
    expect(answer.status).toBe(200);
    expect(rig.exchange.logs.withMessage('bidder answered with a different x-openrtb-version')).toMatchObject([
      { bidder: 'k', sent: '2.6', answered: '2.5', auctionId: 'kakao-echo' },
    ]);
  });

  it('an answer echoing the same version is not logged', async () => {
    rig = await startRig({ k: { price: 1.5, answerHeaders: { 'x-openrtb-version': '2.6' }, bidderConfig: kakao({ openrtbVersion: '2.6' }) } });
    await postAuction(rig.exchange, inbound('kakao-same'));
    expect(rig.exchange.logs.withMessage('bidder answered with a different x-openrtb-version')).toEqual([]);
  });
});
