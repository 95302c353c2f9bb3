import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuctionContext, type Award, type BidderView, type BidRequest, builtinRegistry, type CandidateBid, DecimalCpmPricing,
  LossReason, parseConfig, type RtbConfigInput, RtbStartupError,
} from '../../core/index.js';
import { hookCallFor, pluginFor, testTrackerUrls } from '../../core/testing/index.js';
import { VECTORS } from '../../test/vectors.js';
import { AdmVast, planVastTrackers, readVast, rewriteVast } from './index.js';
import { allowedDepth, readDepthOverrides, VAST_SECTION } from './settings.js';

const trackers = testTrackerUrls('https://ex.test');
const pricing = new DecimalCpmPricing();
const dispatcher = new Agent();

const inline = (version = '3.0', extra = '') =>
  `<VAST version="${version}"><Ad id="in"><InLine><AdSystem>dsp</AdSystem><AdTitle>t</AdTitle><Impression><![CDATA[https://dsp.example/imp?p=\${AUCTION_PRICE}]]></Impression>` +
  `<Creatives><Creative><Linear><Duration>00:00:15</Duration>${extra}<MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="640" height="360"><![CDATA[https://cdn.example/v.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>`;
const wrapper = (uri: string) =>
  `<VAST version="3.0"><Ad id="w"><Wrapper><AdSystem>dsp</AdSystem><VASTAdTagURI><![CDATA[${uri}]]></VASTAdTagURI><Impression>https://dsp.example/w</Impression><Creatives/></Wrapper></Ad></VAST>`;

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const chain = /^\/chain\/(\d+)\/(\d+)$/.exec(req.url ?? '');
    if (!chain) {
      res.writeHead(404).end();
      return;
    }
    const [n, k] = [Number(chain[1]), Number(chain[2])];
    res.writeHead(200, { 'content-type': 'application/xml' }).end(k < n ? wrapper(`${base}/chain/${n}/${k + 1}`) : inline());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await dispatcher.close();
});

/** The hook's own call as the exchange gives it here: the plugin's `hooks.timeoutMs` (5 s) to follow a chain. */
const hookCall = () => hookCallFor(5_000);

function plugin(config: Partial<RtbConfigInput> = {}) {
  const parsed = parseConfig({ hooks: { timeoutMs: 5_000 }, bidders: { dsp: { endpoint: 'http://127.0.0.1:1/bid' } }, ...config });
  const options = (parsed.vast ?? {}) as Record<string, unknown>;
  return { plugin: new AdmVast({ name: 'adm-vast', optionsAt: 'vast', options, log: pino({ level: 'silent' }), config: parsed }, trackers, dispatcher), config: parsed };
}

function bidContext(config: ReturnType<typeof parseConfig>, adm: string, { protocols = [2, 3, 5, 6, 7, 8], site, bidder = 'dsp' }: { protocols?: number[]; site?: string; bidder?: string } = {}) {
  const request: BidRequest = { id: 'auc-1', imp: [{ id: '1', video: { mimes: ['video/mp4'], protocols } }] };
  const auction: AuctionContext = {
    auctionId: 'auc-1', request, origin: 'tag', floors: new Map(), currency: 'USD', startedAt: Date.now(),
    deadline: performance.now() + 10_000, log: pino({ level: 'silent' }),
    site: site ? { id: site, config: config.sites[site] } : undefined,
  };
  const bidderView: BidderView = { name: bidder, config: config.bidders[bidder], pricing };
  const candidate: CandidateBid = { bid: { id: 'b1', impid: '1', price: 2, adm, mtype: 2 }, priceMicros: 2_000_000, currency: 'USD', admFormat: 'vast', bidder, arrival: 0 };
  return { ctx: { auction, bidder: bidderView }, candidate };
}

describe('bidValidate', () => {
  const malformed = JSON.parse(readFileSync(`${VECTORS}prebid-openrtb/openrtb2/testdata/bid-response/2.6/vast-xml-document-returned-inline.json`, 'utf8')).seatbid[0].bid[0].adm as string;

  it.each([
    ['the spec\'s malformed VAST', malformed, LossReason.invalidBidResponse],
    ['HTML instead of VAST', '<div>not a video</div>', LossReason.incorrectCreativeFormat],
    ['VAST 1.0', '<VideoAdServingTemplate><Ad><InLine/></Ad></VideoAdServingTemplate>', LossReason.incorrectCreativeFormat],
    ['VAST without a version', '<VAST><Ad><InLine/></Ad></VAST>', LossReason.incorrectCreativeFormat],
    ['an empty VAST (no ad)', '<VAST version="3.0"/>', LossReason.incorrectCreativeFormat],
    ['VAST 4 where the imp takes VAST 2/3 only', inline('4.2'), LossReason.incorrectCreativeFormat],
    ['a Wrapper where the imp takes InLine only', wrapper('https://dsp.example/vast.xml'), LossReason.incorrectCreativeFormat],
  ])('rejects %s, so the auction can pick another bid', async (_what, adm, code) => {
    const { plugin: vast, config } = plugin();
    const { ctx, candidate } = bidContext(config, adm, { protocols: [2, 3] });
    expect(await vast.bidValidate(ctx, candidate, hookCall())).toMatchObject({ action: 'reject', code });
  });

  it('rejects markup larger than vast.maxDocumentBytes (3) before parsing it; at the limit it passes', () => {
    const { plugin: vast, config } = plugin({ vast: { maxDocumentBytes: 2_000 } });
    // A comment of `bytes` in all, with a two-byte character: the limit is in bytes, not characters.
    const padded = (bytes: number) => inline().replace('<AdTitle>t</AdTitle>', `<AdTitle>t</AdTitle><!--é${'a'.repeat(bytes - Buffer.byteLength(inline()) - 9)}-->`);
    expect(Buffer.byteLength(padded(2_000))).toBe(2_000);
    expect(vast.bidValidate(bidContext(config, padded(2_000)).ctx, bidContext(config, padded(2_000)).candidate, hookCall())).toEqual({ action: 'noop' });
    const { ctx, candidate } = bidContext(config, padded(2_001));
    expect(vast.bidValidate(ctx, candidate, hookCall())).toMatchObject({ action: 'reject', code: LossReason.invalidBidResponse, reason: expect.stringMatching(/vast\.maxDocumentBytes/) });
  });

  it('passes a valid InLine bid and anything that is not VAST, synchronously (no promise per bid)', () => {
    const { plugin: vast, config } = plugin();
    const { ctx, candidate } = bidContext(config, inline());
    expect(vast.bidValidate(ctx, candidate, hookCall())).toEqual({ action: 'noop' });
    expect(vast.bidValidate(ctx, { ...candidate, admFormat: 'html', bid: { ...candidate.bid, adm: '<VAST' } }, hookCall())).toEqual({ action: 'noop' });
  });

  it('the depth limit: vast.maxWrapperDepth, overridden per site and per bidder (the stricter of both)', async () => {
    const { plugin: vast, config } = plugin({
      vast: { maxWrapperDepth: 3, allowPrivateNetworks: true },
      sites: { shallow: { video: {}, maxWrapperDepth: 1 }, deep: { video: {}, vast: { maxWrapperDepth: 6 } } },
      bidders: { dsp: { endpoint: 'http://127.0.0.1:1/bid' }, trusted: { endpoint: 'http://127.0.0.1:1/bid', maxWrapperDepth: 4 } },
    });
    const verdict = async (depth: number, options: { site?: string; bidder?: string }) => {
      const { ctx, candidate } = bidContext(config, wrapper(`${base}/chain/${depth}/1`), options);
      const result = await vast.bidValidate(ctx, candidate, hookCall());
      return result.action === 'reject' ? result.code : 'ok';
    };
    expect([await verdict(3, {}), await verdict(4, {})]).toEqual(['ok', 1001]);
    expect([await verdict(1, { site: 'shallow' }), await verdict(2, { site: 'shallow' })]).toEqual(['ok', 1001]);
    expect([await verdict(6, { site: 'deep' }), await verdict(7, { site: 'deep' })]).toEqual(['ok', 1001]);
    expect([await verdict(4, { bidder: 'trusted' }), await verdict(5, { bidder: 'trusted' })]).toEqual(['ok', 1001]);
    expect([await verdict(4, { bidder: 'trusted', site: 'deep' }), await verdict(5, { bidder: 'trusted', site: 'deep' })]).toEqual(['ok', 1001]);
  });

  it('refuses the loopback test server unless vast.allowPrivateNetworks is true', async () => {
    const { plugin: vast, config } = plugin();
    const { ctx, candidate } = bidContext(config, wrapper(`${base}/chain/1/1`));
    expect(await vast.bidValidate(ctx, candidate, hookCall())).toMatchObject({ action: 'reject', code: LossReason.vastWrapperFailed, reason: expect.stringMatching(/private or loopback/) });
  });

  it('a chain that cannot finish before the hook budget runs out is rejected (1003), not let through', async () => {
    const { plugin: vast, config } = plugin({ hooks: { timeoutMs: 4 }, vast: { allowPrivateNetworks: true } });
    const { ctx, candidate } = bidContext(config, wrapper(`${base}/chain/1/1`));
    expect(await vast.bidValidate(ctx, candidate, hookCallFor(4))).toMatchObject({ action: 'reject', code: LossReason.vastWrapperTimeout });
  });
});

describe('admRewrite', () => {
  it('expands macros, adds the exchange\'s Impression and ClickTracking (real signed tracker URLs)', () => {
    const { plugin: vast, config } = plugin();
    const { ctx, candidate } = bidContext(config, inline());
    const award: Award = { candidate: { ...candidate, priceMicros: 2_000_000 }, clearingMicros: 1_250_000, minToWinMicros: 1_250_000 };
    const result = vast.admRewrite({ ...ctx, award }, { adm: inline(), format: 'vast' });
    if (result.action !== 'update') throw new Error('expected an update');
    const reading = readVast(result.value.adm);
    if (!reading.ok) throw new Error(reading.reason);
    expect(result.value.adm).toContain('<Impression><![CDATA[https://dsp.example/imp?p=1.25]]></Impression><Impression><![CDATA[https://ex.test/t/imp?t=');
    const clickUrl = /<VideoClicks><ClickTracking><!\[CDATA\[(.+?)\]\]><\/ClickTracking><\/VideoClicks><MediaFiles>/.exec(result.value.adm)?.[1];
    const token = new URL(clickUrl!).searchParams.get('t')!;
    expect(trackers.read(token, 'click')).toMatchObject({ ok: true, claim: { auctionId: 'auc-1', bidder: 'dsp', clearingMicros: 1_250_000 } });
    // The click is listed in the impression token it carries: one seal, no signature of its own.
    expect(result.value.adm).toContain(`/t/imp?t=${token.slice(4)}]]>`);
    expect(vast.admRewrite({ ...ctx, award }, { adm: '<b>x</b>', format: 'html' })).toEqual({ action: 'noop' });
  });

  /** The rewrite with the tracker tokens (random per seal) blanked, for comparing two rewrites. */
  const withoutTokens = (adm: string) => adm.replace(/\?t=[\w-]+/g, '?t=TOKEN');

  it('rewrites a validated winner from the plan its validation made, with the same result as from its markup', () => {
    const { plugin: vast, config } = plugin();
    const { ctx, candidate } = bidContext(config, inline());
    const winner = Object.assign(candidate, { priceMicros: 2_000_000 });
    expect(vast.bidValidate(ctx, winner, hookCall())).toEqual({ action: 'noop' });
    const award: Award = { candidate: winner, clearingMicros: 1_250_000, minToWinMicros: 1_250_000 };
    const fromValidation = vast.admRewrite({ ...ctx, award }, { adm: inline(), format: 'vast' });
    const fromMarkup = plugin().plugin.admRewrite({ ...ctx, award }, { adm: inline(), format: 'vast' });
    if (fromValidation.action !== 'update' || fromMarkup.action !== 'update') throw new Error('expected updates');
    expect(fromValidation.value.adm).toContain('https://dsp.example/imp?p=1.25');
    expect(withoutTokens(fromValidation.value.adm)).toBe(withoutTokens(fromMarkup.value.adm));
  });

  it('rewrites the markup an earlier rewriter changed, not the one validated before the change', () => {
    const { plugin: vast, config } = plugin();
    const { ctx, candidate } = bidContext(config, inline());
    const winner = Object.assign(candidate, { priceMicros: 2_000_000 });
    vast.bidValidate(ctx, winner, hookCall());
    const changed = inline().replace('<AdTitle>t</AdTitle>', '<AdTitle>changed</AdTitle>');
    const result = vast.admRewrite({ ...ctx, award: { candidate: winner, clearingMicros: 1_250_000, minToWinMicros: 1_250_000 } }, { adm: changed, format: 'vast' });
    if (result.action !== 'update') throw new Error('expected an update');
    expect(result.value.adm).toContain('<AdTitle>changed</AdTitle>');
    expect(result.value.adm).toContain('/t/imp?t=');
  });
});

describe('readVast on hostile markup', () => {
  const inlineWith = (system: string, prolog = '') => `${prolog}<VAST version="3.0"><Ad><InLine><AdSystem>${system}</AdSystem><AdTitle>t</AdTitle></InLine></Ad></VAST>`;

  it.each([
    ['entity expansion (billion laughs)', inlineWith('&b;', '<!DOCTYPE VAST [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')],
    ['an external entity (XXE)', inlineWith('&x;', '<!DOCTYPE VAST [<!ENTITY x SYSTEM "file:///etc/passwd">]>')],
  ])('refuses %s as malformed (3): a DTD\'s entities are never expanded or fetched', (_what, adm) => {
    expect(readVast(adm)).toMatchObject({ ok: false, code: LossReason.invalidBidResponse, reason: expect.stringMatching(/not well-formed XML: .*undefined entity/) });
  });

  it.each([
    ['a second root', `${inlineWith('s')}<VAST version="3.0"/>`],
    ['text after the root', `${inlineWith('s')}junk`],
    ['an unclosed CDATA section', inlineWith('<![CDATA[s')],
    ['a control character', inlineWith('\u0001')],
    ['nothing', ''],
  ])('refuses %s as malformed (3)', (_what, adm) => {
    expect(readVast(adm)).toMatchObject({ ok: false, code: LossReason.invalidBidResponse });
  });

  it('reads 100,000 nested elements without exhausting the stack', () => {
    const reading = readVast(inlineWith(`${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}`));
    expect(reading).toMatchObject({ ok: true, doc: { ads: [{ kind: 'inline' }] } });
  });
});

describe('rewriteVast', () => {
  const urls = { impression: 'https://ex.test/t/imp?a=${AUCTION_ID}', click: 'https://ex.test/t/click' };
  const adm = `<VAST version="3.0"><Ad><InLine><AdSystem>\${AUCTION_ID}</AdSystem><AdTitle>t</AdTitle><Impression>https://dsp.example/i?a=\${AUCTION_ID}&amp;p=\${AUCTION_PRICE}</Impression>` +
    `<Creatives><Creative><Linear skipoffset="\${AUCTION_IMP_ID}"/></Creative></Creatives></InLine></Ad></VAST>`;
  const macros = { AUCTION_ID: 'a&b<c>', AUCTION_PRICE: '1.25', AUCTION_IMP_ID: '1' };

  it('expands the bidder\'s macros (XML-escaped) everywhere, its tags\' attributes too, and leaves the exchange\'s trackers as given', () => {
    const result = rewriteVast(adm, macros, urls);
    expect(result).toEqual({
      ok: true,
      ads: 1,
      adm: '<VAST version="3.0"><Ad><InLine><AdSystem>a&amp;b&lt;c&gt;</AdSystem><AdTitle>t</AdTitle><Impression>https://dsp.example/i?a=a&amp;b&lt;c&gt;&amp;p=1.25</Impression>' +
        '<Impression><![CDATA[https://ex.test/t/imp?a=${AUCTION_ID}]]></Impression>' +
        '<Creatives><Creative><Linear skipoffset="1"><VideoClicks><ClickTracking><![CDATA[https://ex.test/t/click]]></ClickTracking></VideoClicks></Linear></Creative></Creatives></InLine></Ad></VAST>',
    });
  });

  it('gives the same result from the markup and from the plan its validation made', () => {
    const reading = readVast(adm);
    if (!reading.ok) throw new Error(reading.reason);
    expect(rewriteVast(planVastTrackers(reading.doc), macros, urls)).toEqual(rewriteVast(adm, macros, urls));
  });

  it('markup that does not parse: macros expanded, no trackers, the reason', () => {
    expect(rewriteVast('<VAST version="3.0"><Ad>${AUCTION_PRICE}', macros, urls)).toMatchObject({ ok: false, adm: '<VAST version="3.0"><Ad>1.25', reason: expect.stringMatching(/not well-formed/) });
  });
});

describe('config', () => {
  it('the vast section (the plugin\'s own, checked by the plan) is strict, with defaults', () => {
    expect(VAST_SECTION.parse({})).toEqual({ maxWrapperDepth: 5, allowPrivateNetworks: false, maxDocumentBytes: 262_144, cacheTtlMs: 30_000 });
    expect(() => pluginFor(builtinRegistry(), 'adm-vast', { vast: { maxWrapperDepth: 5, wrapperDepth: 3 } })).toThrow(expect.objectContaining({
      code: 'RTB_ERR_CONFIG_INVALID', problems: ['vast.wrapperDepth: unknown key (did you mean maxWrapperDepth?)'],
    }));
    expect(() => pluginFor(builtinRegistry(), 'adm-vast', { vast: { maxWrapperDepth: -1 } })).toThrow(RtbStartupError);
  });

  it('names bad or conflicting overrides at start-up', () => {
    const config = parseConfig({
      sites: { a: { video: {}, maxWrapperDepth: 'deep' }, b: { video: {}, maxWrapperDepth: 2, vast: { maxWrapperDepth: 3 } } },
      bidders: { x: { endpoint: 'http://127.0.0.1:1/bid', vast: { maxWrapperDepth: 2.5 } } },
    } as never);
    try {
      readDepthOverrides(config);
      throw new Error('expected a start-up error');
    } catch (error) {
      expect((error as RtbStartupError).problems).toEqual([
        'sites.a.maxWrapperDepth: must be an integer from 0 to 20',
        'sites.b.maxWrapperDepth, sites.b.vast.maxWrapperDepth: give maxWrapperDepth once',
        'bidders.x.vast.maxWrapperDepth: must be an integer from 0 to 20',
      ]);
    }
  });

  it('allowedDepth: each override replaces the global limit; both set, the stricter applies', () => {
    const overrides = { bySite: new Map([['s', 2]]), byBidder: new Map([['b', 7]]) };
    expect(allowedDepth(5, overrides, undefined, 'other')).toBe(5);
    expect(allowedDepth(5, overrides, 's', 'other')).toBe(2);
    expect(allowedDepth(5, overrides, undefined, 'b')).toBe(7);
    expect(allowedDepth(5, overrides, 's', 'b')).toBe(2);
  });
});
