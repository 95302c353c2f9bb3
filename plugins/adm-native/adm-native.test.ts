// Native payloads from test/vectors: google/openrtb (the four adm shapes), prebid/openrtb (Native 1.1/1.2
// requests and responses), bsm/openrtb (an invalid response: a negative case).
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  type AuctionContext, type Award, type BidderView, type CandidateBid, DecimalCpmPricing, LossReason, parseConfig,
} from '../../core/index.js';
import { testTrackerUrls } from '../../core/testing/index.js';
import { VECTORS } from '../../test/vectors.js';
import { AdmNative, readNative, requestAllowsImageEventTracker, rewriteNative } from './index.js';

const read = (path: string) => readFileSync(`${VECTORS}${path}`, 'utf8');
const googleAdm = (name: string) => JSON.parse(read(`google-openrtb/openrtb-core/src/test/resources/${name}.json`)).seatbid[0].bid[0].adm as string | object;

const TRACKERS = { impression: 'https://ex.test/t/imp?t=I', click: 'https://ex.test/t/click?t=C' };

/** The response inside any of the four shapes. */
function responseOf(adm: string | object): Record<string, unknown> {
  const value = (typeof adm === 'string' ? JSON.parse(adm) : adm) as Record<string, unknown>;
  return (Object.keys(value).length === 1 && value.native ? value.native : value) as Record<string, unknown>;
}

describe('the four adm shapes (google/openrtb)', () => {
  it.each([
    ['RESPONSE_SHORT_ROOT___STRING', 'string', true],
    ['RESPONSE_SHORT_NOROOT_STRING', 'string', false],
    ['RESPONSE_SHORT_ROOT___OBJECT', 'object', true],
    ['RESPONSE_SHORT_NOROOT_OBJECT', 'object', false],
    ['RESPONSE_FULL__ROOT___STRING', 'string', true],
    ['RESPONSE_FULL__NOROOT_OBJECT', 'object', false],
  ])('%s: trackers added, the bidder\'s kept, the same shape returned', (name, encoding, root) => {
    const adm = googleAdm(name);
    expect(readNative(adm)).toMatchObject({ ok: true, shape: { encoding, root } });
    const before = responseOf(adm);
    const result = rewriteNative(adm, {}, { ...TRACKERS, useEventTrackers: false });
    if (!result.ok) throw new Error(result.reason);
    expect(typeof result.adm).toBe(encoding);
    const asObject = (typeof result.adm === 'string' ? JSON.parse(result.adm) : result.adm) as Record<string, unknown>;
    expect(Object.keys(asObject)).toEqual(root ? ['native'] : Object.keys(before).concat(Object.keys(before).includes('imptrackers') ? [] : ['imptrackers']));
    const after = responseOf(result.adm);
    expect(after.imptrackers).toEqual([...(before.imptrackers as string[]), TRACKERS.impression]);
    expect(after.link).toEqual({ ...(before.link as object), clicktrackers: [TRACKERS.click] });
    expect(after.eventtrackers).toBeUndefined();
    // Everything else as the bidder sent it.
    expect({ ...after, imptrackers: before.imptrackers, link: before.link }).toEqual(before);
  });
});

describe('Native 1.2: eventtrackers when the request allows an image impression tracker (prebid/openrtb)', () => {
  const socialRequest = read('prebid-openrtb/native1/request/testdata/v1.2/social-context.json');
  const contentRequest = read('prebid-openrtb/native1/request/testdata/v1.2/content-context.json');
  const clickout = read('prebid-openrtb/native1/response/testdata/v1.2/clickout.json');

  it('reads the request: event 1 with method 1 allowed (social), only method 2 (content), none (1.0), any root', () => {
    expect(requestAllowsImageEventTracker(socialRequest)).toBe(true);
    expect(requestAllowsImageEventTracker(contentRequest)).toBe(false);
    expect(requestAllowsImageEventTracker(JSON.stringify({ native: JSON.parse(socialRequest) }))).toBe(true);
    expect(requestAllowsImageEventTracker('{"native":{"ver":"1","layout":2,"adunit":4,"plcmtcnt":1,"seq":1}}')).toBe(false);
    expect(requestAllowsImageEventTracker('not json')).toBe(false);
    expect(requestAllowsImageEventTracker(undefined)).toBe(false);
  });

  it('event 1 / method 1 goes after the bidder\'s own event trackers', () => {
    const result = rewriteNative(clickout, {}, { ...TRACKERS, useEventTrackers: requestAllowsImageEventTracker(socialRequest) });
    if (!result.ok) throw new Error(result.reason);
    const after = responseOf(result.adm);
    expect(after.eventtrackers).toEqual([
      { event: 1, method: 2, url: 'http://www.mytracker.com/tracker.js' },
      { event: 2, method: 1, url: 'http://www.mytracker.com/tracker.php' },
      { event: 1, method: 1, url: TRACKERS.impression },
    ]);
    expect(after.imptrackers).toBeUndefined();
  });

  it('otherwise imptrackers, even in a 1.2 response', () => {
    const result = rewriteNative(clickout, {}, { ...TRACKERS, useEventTrackers: requestAllowsImageEventTracker(contentRequest) });
    if (!result.ok) throw new Error(result.reason);
    expect(responseOf(result.adm).imptrackers).toEqual([TRACKERS.impression]);
    expect((responseOf(result.adm).eventtrackers as unknown[]).length).toBe(2);
  });

  it('asset links get the click tracker too (an asset link replaces the main link when clicked)', () => {
    const adm = JSON.stringify({ link: { url: 'https://l.example/', clicktrackers: ['https://dsp.example/c'] }, assets: [{ id: 1, title: { text: 't' }, link: { url: 'https://l.example/cta' } }, { id: 2, img: { url: 'https://cdn.example/i.png' } }] });
    const result = rewriteNative(adm, {}, { ...TRACKERS, useEventTrackers: false });
    if (!result.ok) throw new Error(result.reason);
    const after = responseOf(result.adm) as { link: unknown; assets: unknown[] };
    expect(after.link).toEqual({ url: 'https://l.example/', clicktrackers: ['https://dsp.example/c', TRACKERS.click] });
    expect(after.assets).toEqual([{ id: 1, title: { text: 't' }, link: { url: 'https://l.example/cta', clicktrackers: [TRACKERS.click] } }, { id: 2, img: { url: 'https://cdn.example/i.png' } }]);
  });
});

describe('macros', () => {
  it('are expanded inside the JSON, values escaped so that the JSON stays valid', () => {
    const adm = '{"native":{"link":{"url":"https://l.example/?p=${AUCTION_PRICE}&s=${AUCTION_SEAT_ID}"},"imptrackers":["https://dsp.example/i?p=${AUCTION_PRICE}"]}}';
    const result = rewriteNative(adm, { AUCTION_PRICE: '1.25', AUCTION_SEAT_ID: 'seat "1"\\' }, { ...TRACKERS, useEventTrackers: false });
    if (!result.ok) throw new Error(result.reason);
    const after = responseOf(result.adm) as { link: { url: string }; imptrackers: string[] };
    expect(after.link.url).toBe('https://l.example/?p=1.25&s=seat "1"\\');
    expect(after.imptrackers[0]).toBe('https://dsp.example/i?p=1.25');
  });
});

describe('invalid Native markup', () => {
  it.each([
    ['bsm/openrtb response2.json (invalid JSON)', read('bsm-openrtb/native/response/testdata/response2.json'), LossReason.invalidBidResponse],
    ['a JSON array', '[]', LossReason.incorrectCreativeFormat],
    ['a JSON string', '"native"', LossReason.incorrectCreativeFormat],
    ['HTML', '<div>ad</div>', LossReason.invalidBidResponse],
    ['link that is not an object', '{"link":"https://l.example/"}', LossReason.incorrectCreativeFormat],
    ['imptrackers that are not an array', '{"native":{"link":{},"imptrackers":"https://x"}}', LossReason.incorrectCreativeFormat],
  ])('%s is rejected', (_what, adm, code) => {
    expect(readNative(adm)).toMatchObject({ ok: false, code });
  });
});

describe('AdmNative plugin', () => {
  const trackers = testTrackerUrls('https://ex.test');
  const config = parseConfig({ bidders: { dsp: { endpoint: 'http://127.0.0.1:1/bid' } } });
  const plugin = new AdmNative({ name: 'adm-native', optionsAt: 'plugins.0.options', options: {}, log: pino({ level: 'silent' }), config }, trackers);
  const socialRequest = read('prebid-openrtb/native1/request/testdata/v1.2/social-context.json');
  const auction: AuctionContext = {
    auctionId: 'auc-n', request: { id: 'auc-n', imp: [{ id: '1', native: { request: socialRequest, ver: '1.2' } }] }, origin: 'openrtb',
    floors: new Map(), currency: 'USD', startedAt: Date.now(), deadline: performance.now() + 1_000, log: pino({ level: 'silent' }),
  };
  const bidder: BidderView = { name: 'dsp', config: config.bidders.dsp, pricing: new DecimalCpmPricing() };
  const candidate = (adm: string): CandidateBid => ({ bid: { id: 'b', impid: '1', price: 1, adm, mtype: 4 }, priceMicros: 1_000_000, currency: 'USD', admFormat: 'native', bidder: 'dsp', arrival: 0 });

  it('bidValidate rejects what is not a Native response, and nothing else', () => {
    expect(plugin.bidValidate({ auction, bidder }, candidate(read('bsm-openrtb/native/response/testdata/response2.json')))).toMatchObject({ action: 'reject', code: 3 });
    expect(plugin.bidValidate({ auction, bidder }, candidate(read('prebid-openrtb/native1/response/testdata/v1.2/clickout.json')))).toEqual({ action: 'noop' });
    expect(plugin.bidValidate({ auction, bidder }, { ...candidate('<div>'), admFormat: 'html' })).toEqual({ action: 'noop' });
  });

  it('admRewrite reads the imp\'s Native request and adds real signed tracker URLs', () => {
    const adm = read('prebid-openrtb/native1/response/testdata/v1.2/clickout.json');
    const award: Award = { candidate: { ...candidate(adm), priceMicros: 1_000_000 }, clearingMicros: 900_000, minToWinMicros: 900_000 };
    const result = plugin.admRewrite({ auction, bidder, award }, { adm, format: 'native' });
    if (result.action !== 'update') throw new Error('expected an update');
    const after = JSON.parse(result.value.adm) as { eventtrackers: Array<{ event: number; method: number; url: string }>; link: { clicktrackers: string[] } };
    const ours = after.eventtrackers.at(-1)!;
    expect(ours).toMatchObject({ event: 1, method: 1 });
    expect(trackers.read(new URL(ours.url).searchParams.get('t')!, 'impression')).toMatchObject({ ok: true, claim: { auctionId: 'auc-n', clearingMicros: 900_000 } });
    expect(trackers.read(new URL(after.link.clicktrackers[0]).searchParams.get('t')!, 'click')).toMatchObject({ ok: true });
    expect(plugin.admRewrite({ auction, bidder, award }, { adm: '<b>', format: 'html' })).toEqual({ action: 'noop' });
  });
});
