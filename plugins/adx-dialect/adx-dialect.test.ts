import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry, type RtbConfigInput } from '../../core/index.js';
import {
  type MockBidder, type MockBidderOptions, startMockBidder, startTestExchange, type TestExchange,
} from '../../core/testing/index.js';
import { auctionLines, postAuction } from '../../test/helpers.js';
import { readVector } from '../../test/vectors.js';
import { adxFieldNames, adxRequestId, expandGoogleUserId, parseDictionary, truncatedIp } from './index.js';

/** The shared wire contract (Google's doubleclick.proto v.50 in test/vectors), loaded independently of the plugin, deprecated fields included. */
const shared = protobuf.parse(readVector('google-openrtb-doubleclick-v50/doubleclick-core/src/main/protobuf/doubleclick.proto'), { keepCase: true }).root;
const BidRequest = shared.lookupType('com.google.doubleclick.BidRequest');
const BidResponse = shared.lookupType('com.google.doubleclick.BidResponse');
const decodeRequest = (bytes: Buffer) => BidRequest.toObject(BidRequest.decode(bytes), { longs: String, defaults: false, arrays: false });
const encodeResponse = (value: Record<string, unknown>) => Buffer.from(BidResponse.encode(BidResponse.fromObject(value)).finish());

const DICTIONARIES = fileURLToPath(new URL('./fixtures/adx-rtb-dictionaries/', import.meta.url));
/** google/openrtb-doubleclick's dictionary test stubs (test/vectors), by file name. */
const upstreamDictionary = (name: string) => readVector(`google-openrtb-doubleclick/doubleclick-core/src/test/resources/adx-rtb-dictionaries/${name}`);

/** A bidder config with two adgroups, exclusions by name and by id, and the sample dictionaries. */
const adxConfig = (extra: Record<string, unknown> = {}) => ({
  dialect: 'adx',
  dictionaries: {
    creativeAttributes: `${DICTIONARIES}publisher-excludable-creative-attributes.txt`,
    sensitiveCategories: `${DICTIONARIES}ad-sensitive-categories.txt`,
    vendors: `${DICTIONARIES}vendors.txt`,
  },
  adx: {
    adgroups: [3254984134, '2646216548'],
    excludedAttributes: ['MraidType: Mraid 1.0', 3],
    excludedSensitiveCategories: ['SensitiveCategory2'],
    allowedVendorTypes: ['Vendor1', 2],
  },
  ...extra,
});

let running: { exchange: TestExchange; mocks: MockBidder[] } | undefined;
afterEach(async () => {
  await running?.exchange.stop();
  await Promise.all(running?.mocks.map((mock) => mock.close()) ?? []);
  running = undefined;
});

/** Starts an `adx` mock bidder and an exchange asking it at `path` (macros allowed) with `config`. */
async function start(mockOptions: MockBidderOptions, config: Record<string, unknown> = adxConfig(), path = '/adx', extra: Partial<RtbConfigInput> = {}) {
  const mock = await startMockBidder({ dialect: 'adx', ...mockOptions });
  const exchange = await startTestExchange({ ...extra, bidders: { x: { endpoint: `${mock.url}${path}`, ...config }, ...(extra.bidders as object) } }, builtinRegistry());
  running = { exchange, mocks: [mock] };
  return { mock, exchange };
}

const ONE_SLOT = (id = '6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f') => ({
  id,
  imp: [{ id: 'top', banner: { w: 300, h: 250 }, bidfloor: 1.25 }],
  site: { id: 'pub', page: 'https://pub.example/a' },
});

describe('adx request on the wire (G1, G2, G5, G6), decoded with the shared proto', () => {
  it('exact headers, and every field of the BidRequest', async () => {
    const { mock } = await start({ price: 2_000_000 });
    await postAuction(running!.exchange, {
      id: '6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f',
      imp: [
        { id: 'top', banner: { format: [{ w: 300, h: 250 }, { w: 336, h: 280 }] }, bidfloor: 1.25 },
        { id: 'pre', video: { mimes: ['video/mp4'] } },
        { id: 'side', banner: { w: 160, h: 600 } },
      ],
      site: { id: 'pub', page: 'https://pub.example/article?x=1' },
      device: { ua: 'Mozilla/5.0 (X11; Linux x86_64) test', ip: '203.0.113.77', language: 'en' },
      user: { id: 'CAESEIcS1pC2TBvb-4SLDjMqsY9', buyeruid: 'dsp-bound-data-27-chars-xyz' },
      test: 1,
    });
    const [sent] = mock.requests;
    const { host: _h, connection: _c, 'content-length': _l, ...headers } = sent.headers;
    expect(headers).toEqual({ 'content-type': 'application/octet-stream' });
    expect(sent.url).toBe('/adx');
    const matching = (floor: string) => [
      { adgroup_id: '3254984134', minimum_cpm_micros: floor },
      { adgroup_id: '2646216548', minimum_cpm_micros: floor },
    ];
    const slot = { excluded_attribute: [32, 3], allowed_vendor_type: [1, 2], excluded_sensitive_category: [2] };
    expect(decodeRequest(sent.wire)).toEqual({
      id: Buffer.from('6f1c2a4e8b3d4c5e9f701a2b3c4d5e6f', 'hex'),
      ip: Buffer.from([203, 0, 113]),
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) test',
      url: 'https://pub.example/article?x=1',
      detected_language: ['en'],
      google_user_id: 'CAESEIcS1pC2TBvb-4SLDjMqsY9',
      cookie_version: 1,
      hosted_match_data: Buffer.from('dsp-bound-data-27-chars-xyz'),
      adslot: [
        { id: 1, width: [300, 336], height: [250, 280], ...slot, matching_ad_data: matching('1250000') },
        { id: 3, width: [160], height: [600], ...slot, matching_ad_data: matching('0') },
      ],
      is_test: true,
    });
  });

  it('the minimal request: no user, no test flag, an IPv6 address cut to 6 bytes', async () => {
    const { mock } = await start({ price: 2_000_000 }, adxConfig({ adx: {}, dictionaries: {} }));
    await postAuction(running!.exchange, { ...ONE_SLOT('plain-id'), device: { ipv6: '2001:db8:85a3::8a2e:370:7334' } });
    expect(decodeRequest(mock.requests[0].wire)).toEqual({
      id: adxRequestId('plain-id'),
      ip: Buffer.from('20010db885a3', 'hex'),
      url: 'https://pub.example/a',
      adslot: [{ id: 1, width: [300], height: [250], matching_ad_data: [{ minimum_cpm_micros: '1250000' }] }],
    });
    expect(adxRequestId('plain-id')).toHaveLength(16);
  });

  it('no deprecated field can be written: the plugin\'s message types have none', () => {
    const fields = [...adxFieldNames('BidRequest'), ...adxFieldNames('BidResponse')];
    expect(fields.filter((name) => name.startsWith('DEPRECATED_'))).toEqual([]);
    expect(fields).toEqual(expect.arrayContaining(['id', 'ip', 'google_user_id', 'adslot', 'is_test', 'ad', 'processing_time_ms']));
    expect(BidRequest.fieldsArray.filter((f) => f.name.startsWith('DEPRECATED_')).length).toBeGreaterThan(0);
  });

  it.each([
    ['a known id', 'CAESEIcS1pC2TBvb-4SLDjMqsY9', '/adx?gid=CAESEIcS1pC2TBvb-4SLDjMqsY9&v=1'],
    ['no id', undefined, '/adx?gid=&v=1'],
    ['a URL-unsafe id', 'a b/c?d=e&f+g%h#', '/adx?gid=a%20b%2Fc%3Fd%3De%26f%2Bg%25h%23&v=1'],
  ])('the google-user-id macro of the bidder URL (G5) with %s', async (_, userId, path) => {
    const { mock } = await start({ price: 2_000_000 }, adxConfig(), '/adx?gid=%%GOOGLE_USER_ID%%&v=1');
    await postAuction(running!.exchange, { ...ONE_SLOT(), ...(userId ? { user: { id: userId } } : {}) });
    expect(mock.requests[0].url).toBe(path);
    expect(decodeRequest(mock.requests[0].wire).google_user_id).toBe(userId);
  });

  it('the macro in a path segment, every occurrence', () => {
    expect(expandGoogleUserId('/u/%%GOOGLE_USER_ID%%/bid?again=%%GOOGLE_USER_ID%%', 'x/y')).toBe('/u/x%2Fy/bid?again=x%2Fy');
    expect(expandGoogleUserId('/u/%%GOOGLE_USER_ID%%/bid', undefined)).toBe('/u//bid');
  });

  it.each([
    ['203.0.113.77', 'cb0071'],
    ['::ffff:198.51.100.9', 'c63364'],
    ['not an ip', undefined],
  ])('device ip %s is sent as %s', (ip, hex) => {
    expect(truncatedIp({ ip })?.toString('hex')).toBe(hex);
  });
});

describe('adx answers', () => {
  it('maps html_snippet, max_cpm_micros, the creative id, click-through domains and the AdX declarations', async () => {
    await start({ price: 2_500_000, markup: '<div>adx ad</div>', adx: { adgroupId: '2646216548', vendorType: [1] } });
    const answer = await postAuction(running!.exchange, ONE_SLOT('map-1'));
    expect(answer.status).toBe(200);
    expect(answer.json().seatbid).toEqual([{
      seat: 'x',
      bid: [{
        id: '0-1',
        impid: 'top',
        price: 1.25,
        adm: expect.stringMatching(/^<div>adx ad<\/div>/),
        crid: 'creative-1',
        mtype: 1,
        adomain: ['advertiser.example'],
        // The exchange's impression tracker: the only notice URL an answer carries.
        burl: expect.stringMatching(/\/t\/imp\?t=/),
        ext: {
          adx: { max_cpm_micros: '2500000', adgroup_id: '2646216548', click_through_url: ['https://advertiser.example/landing'], vendor_type: [1], attribute: [], category: [] },
          prebid: { type: 'banner' },
        },
      }],
    }]);
    expect(auctionLines(running!.exchange).at(-1)!.bidders.x).toMatchObject({ status: 'win', priceMicros: 2_500_000, paidMicros: 1_250_000 });
  });

  it.each([
    ['a BidResponse with only processing_time_ms', { respond: () => ({ status: 200, body: encodeResponse({ processing_time_ms: 7 }) }) }, 'nobid', 'no ad (processing_time_ms only)'],
    ['the mock\'s no-bid (no price)', {}, 'nobid', 'no ad (processing_time_ms only)'],
    ['204', { status: 204 }, 'nobid', '204'],
    ['bytes that are not a BidResponse', { respond: () => ({ status: 200, body: Buffer.from([0x0a, 0xff]) }) }, 'error', undefined],
    ['400', { status: 400 }, 'error', 'bidder answered 400: it says our request is malformed'],
  ])('%s', async (_, options, status, detail) => {
    await start(options as MockBidderOptions);
    const answer = await postAuction(running!.exchange, ONE_SLOT());
    expect([answer.status, answer.json().seatbid]).toEqual([200, []]);
    const line = auctionLines(running!.exchange).at(-1)!.bidders.x;
    expect(line.status).toBe(status);
    if (detail) expect(line.detail).toBe(detail);
    else expect(line.detail).toMatch(/^answer is not a BidResponse/);
  });
});

describe('adx validation', () => {
  /** Runs one auction against a bidder with `adgroups`, answering as `mockOptions`; returns its status and rejection. */
  async function judge(mockOptions: MockBidderOptions, adx: Record<string, unknown> = adxConfig().adx) {
    await start({ price: 2_000_000, ...mockOptions }, adxConfig({ adx }));
    await postAuction(running!.exchange, ONE_SLOT());
    const [rejected] = running!.exchange.logs.withMessage('bid rejected') as unknown as Array<{ code: number; reason: string }>;
    return { status: auctionLines(running!.exchange).at(-1)!.bidders.x.status, code: rejected?.code, reason: rejected?.reason };
  }
  const groups = (adgroups: unknown[]) => ({ ...adxConfig().adx, adgroups });

  it.each([
    ['two adgroups, none named', groups([11, 22]), { adgroupId: null }, 3, /adgroup_id required: slot 1 had 2 matching_ad_data/],
    ['two adgroups, another one named', groups([11, 22]), { adgroupId: 33 }, 3, /adgroup_id 33 is not one of slot 1's matching_ad_data/],
    ['two adgroups, the second named', groups([11, 22]), { adgroupId: 22 }, undefined, undefined],
    ['one adgroup, none named', groups([11]), { adgroupId: null }, undefined, undefined],
    ['one adgroup, another named', groups([11]), { adgroupId: 12 }, 3, /adgroup_id 12 is not one of/],
    ['no adgroup, none named', groups([]), { adgroupId: null }, undefined, undefined],
  ])('G3: %s', async (_, adx, ad, code, reason) => {
    const verdict = await judge({ adx: ad }, adx);
    expect(verdict.status).toBe(code === undefined ? 'win' : 'invalid');
    expect(verdict.code).toBe(code);
    if (reason) expect(verdict.reason).toMatch(reason);
  });

  it.each([
    ['an excluded attribute (by name: MraidType 32)', { attribute: [1, 32] }, 210, /attribute 32 is excluded/],
    ['an excluded attribute (by id: 3)', { attribute: [3] }, 210, /attribute 3 is excluded/],
    ['an attribute not excluded', { attribute: [1, 2, 34] }, undefined, undefined],
    ['an excluded sensitive category', { category: [2] }, 209, /category 2 is excluded/],
    ['a category not excluded', { category: [1, 3] }, undefined, undefined],
    ['a vendor not allowed', { vendorType: [1, 3] }, 200, /vendor_type 3 is not allowed/],
    ['allowed vendors only', { vendorType: [1, 2] }, undefined, undefined],
    ['no click_through_url', { clickThroughUrl: [] }, 3, /no click_through_url/],
    ['min_cpm_micros above max_cpm_micros', { minCpmMicros: 2_000_001 }, 3, /min_cpm_micros is above max_cpm_micros/],
  ])('G4: %s', async (_, ad, code, reason) => {
    const verdict = await judge({ adx: ad });
    expect(verdict.status).toBe(code === undefined ? 'win' : 'invalid');
    expect(verdict.code).toBe(code);
    if (reason) expect(verdict.reason).toMatch(reason);
  });

  it('max_cpm_micros below the slot\'s minimum_cpm_micros loses with 100', async () => {
    expect(await judge({ price: 1_249_999 })).toMatchObject({ status: 'invalid', code: 100, reason: 'max_cpm_micros 1249999 is below minimum_cpm_micros 1250000' });
  });

  it('no html_snippet loses with 7', async () => {
    expect(await judge({ markup: '' })).toMatchObject({ status: 'invalid', code: 7 });
  });

  it('an adslot id that was not in the request loses with 3', async () => {
    const respond = () => ({ status: 200, body: encodeResponse({ ad: [{ html_snippet: '<b>x</b>', click_through_url: ['https://a.example/'], adslot: [{ id: 9, max_cpm_micros: 2_000_000, adgroup_id: 3254984134 }] }] }) });
    expect(await judge({ respond })).toMatchObject({ status: 'invalid', code: 3, reason: 'adslot 9 was not in the request' });
  });

  it('a video_url ad (not supported here) loses with 204', async () => {
    const respond = () => ({ status: 200, body: encodeResponse({ ad: [{ video_url: 'https://v.example/vast.xml', click_through_url: ['https://a.example/'], adslot: [{ id: 1, max_cpm_micros: 2_000_000, adgroup_id: 3254984134 }] }] }) });
    expect(await judge({ respond })).toMatchObject({ status: 'invalid', code: 204 });
  });
});

describe('adx configuration', () => {
  const failsWith = async (config: Record<string, unknown>, message: RegExp) => {
    await expect(startTestExchange({ bidders: { x: { endpoint: 'http://127.0.0.1:9/adx', ...config } } }, builtinRegistry())).rejects.toThrow(message);
  };

  it.each([
    ['an unknown name', { adx: { excludedAttributes: ['Nope'] } }, /bidders\.x\.adx\.excludedAttributes\.0: no entry named "Nope"/],
    ['a name without its dictionary', { dictionaries: {}, adx: { allowedVendorTypes: ['Vendor1'] } }, /allowedVendorTypes\.0: "Vendor1" is a name; set bidders\.x\.dictionaries\.vendors/],
    ['an id not in the dictionary', { adx: { allowedVendorTypes: [99] } }, /allowedVendorTypes\.0: id 99 is not in bidders\.x\.dictionaries\.vendors/],
    ['a missing dictionary file', { dictionaries: { vendors: '/nonexistent/vendors.txt' } }, /bidders\.x\.dictionaries\.vendors: cannot read dictionary \/nonexistent\/vendors\.txt: ENOENT/],
    ['an unknown dictionary key', { dictionaries: { verticals: 'x.txt' } }, /bidders\.x\.dictionaries\.verticals: unknown key/],
    ['an unknown adx key', { adx: { adgroup: [1] } }, /bidders\.x\.adx\.adgroup: unknown key/],
    ['a bad adgroup id', { adx: { adgroups: [-4] } }, /bidders\.x\.adx\.adgroups\.0: an adgroup id is a positive 64-bit integer/],
    ['a bad price key', { priceEncryption: { encryptionKey: 'abc', integrityKey: 'abc' } }, /bidders\.x\.priceEncryption\.encryptionKey: must be the 32-byte key/],
  ])('%s stops start-up, naming the key', async (_, change, message) => {
    await failsWith({ ...adxConfig(), ...change }, message);
  });

  it('a request without banner imps is an error for this bidder, not for the auction', async () => {
    await start({ price: 2_000_000 });
    await postAuction(running!.exchange, { id: 'v-only', imp: [{ id: 'v', video: { mimes: ['video/mp4'] } }] });
    expect(auctionLines(running!.exchange).at(-1)!.bidders.x).toMatchObject({ status: 'error', detail: 'dialect failed: the adx dialect offers banner imps only, and this request has none' });
  });
});

describe('dictionary files (Google\'s <id> <name> format)', () => {
  it('reads ids and names with spaces, skips malformed lines and reports them', () => {
    const attributes = parseDictionary(upstreamDictionary('publisher-excludable-creative-attributes.txt'));
    expect([...attributes.names]).toEqual([[1, 'CreativeAttribute1'], [2, 'CreativeAttribute2'], [3, 'CreativeAttribute3'], [32, 'MraidType: Mraid 1.0'], [34, 'RichMediaCapabilityType: RichMediaCapabilityFlash'], [48, 'RichMediaCapabilityType: RichMediaCapabilityNonSSL']]);
    expect(attributes.skippedLines).toEqual([]);
    const products = parseDictionary(upstreamDictionary('ad-product-categories.txt'));
    expect([...products.names.keys()]).toEqual([1, 2, 3]);
    expect(products.skippedLines).toEqual([4, 5]);
    const sensitive = parseDictionary(upstreamDictionary('ad-sensitive-categories.txt'));
    expect([...sensitive.names.keys()]).toEqual([1, 2, 3]);
    expect(sensitive.skippedLines).toEqual([5]);
  });

  it('a name shared by several ids excludes all of them', () => {
    const verticals = parseDictionary(upstreamDictionary('publisher-verticals.txt'));
    expect([...verticals.names].filter(([, name]) => name === '/Vertical1').map(([id]) => id)).toEqual([1, 2]);
  });
});
