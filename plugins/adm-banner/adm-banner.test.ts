import { parse } from 'parse5';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  type AuctionContext, auctionMacroValues, type Award, type BidderView, DecimalCpmPricing, parseConfig,
  type PluginScope, RtbStartupError,
} from '../../core/index.js';
import { LogCapture, testTrackerUrls } from '../../core/testing/index.js';
import { AdmBanner, rewriteBanner, type ClickSettings } from './index.js';
import { htmlBody } from './html-source.js';
import { resolveClickSettings } from './settings.js';

const trackers = testTrackerUrls('https://ex.test');
const pricing = new DecimalCpmPricing();

function fixture(adm: string, bidderName = 'dsp') {
  const request = { id: 'auc-1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] };
  const auction: AuctionContext = {
    auctionId: 'auc-1', request, origin: 'openrtb', floors: new Map(), currency: 'USD', startedAt: Date.now(),
    deadline: performance.now() + 1_000, log: pino({ level: 'silent' }),
  };
  const award: Award = {
    candidate: { bid: { id: 'bid-7', impid: '1', price: 2, adm, adid: 'ad-9' }, seat: 'seat-1', priceMicros: 2_000_000, currency: 'USD', admFormat: 'html', bidder: bidderName, arrival: 0 },
    clearingMicros: 1_250_000,
    minToWinMicros: 1_250_000,
  };
  return { auction, award };
}

/** The inputs `AdmBanner` builds, built the same way here for the pure function. */
function inputFor(adm: string, chain: ClickSettings['chain'], extraMacros: ClickSettings['macros'] = []) {
  const { auction, award } = fixture(adm);
  const settings: ClickSettings = { chain, macros: [{ macro: '${CLICK_URL}', encoding: 'url' }, { macro: '%24%7BCLICK_URL%7D', encoding: 'url-twice' }, ...extraMacros] };
  return {
    settings,
    macros: auctionMacroValues(auction, { award }, pricing),
    impressionUrl: () => trackers.impression(auction, award),
    clickUrl: (destination?: string) => trackers.click(auction, award, destination),
    clickUrls: (destinations: readonly (string | undefined)[]) => trackers.clicks(auction, award, destinations),
  };
}

/** The destination signed into an exchange click URL, or null for a click URL without one. */
function destinationOf(clickUrl: string): string | null {
  const url = new URL(clickUrl);
  expect(`${url.origin}${url.pathname}`).toBe('https://ex.test/t/click');
  const reading = trackers.read(url.searchParams.get('t') ?? '', 'click');
  if (!reading.ok) throw new Error(`not an exchange click token: ${reading.reason}`);
  return reading.claim.destination ?? null;
}

const IMPRESSION_PIXEL = /<img src="https:\/\/ex\.test\/t\/imp\?t=[A-Za-z0-9_-]+" width="1" height="1" border="0" alt="" style="[^"]*">/g;

/** Every `<a href>` / `<area href>` as a browser reads it. */
function hrefsOf(html: string): string[] {
  const found: string[] = [];
  const visit = (node: any): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
    if ((node.tagName === 'a' || node.tagName === 'area')) {
      const href = node.attrs.find((attr: { name: string }) => attr.name === 'href');
      if (href) found.push(href.value);
    }
    for (const child of node.childNodes ?? []) visit(child);
  };
  visit(parse(html, { scriptingEnabled: false }));
  return found;
}

/** A realistic third-party banner: a table layout, upper-case tags, single-quoted and unquoted attributes, entities. */
const REALISTIC_BANNER = [
  '<!-- DSP creative 42 -->',
  "<TABLE border=0 cellpadding='0' cellspacing=\"0\"><TR><TD>",
  "<A HREF='https://dsp.example/click?c=42&amp;r=https%3A%2F%2Flanding.example%2F%3Fa%3D1' TARGET=_blank><IMG SRC=\"https://cdn.example/300x250.jpg\" WIDTH=300 HEIGHT=250 ALT='Buy &quot;now&quot;'></A>",
  '</TD><TD><a href="javascript:void(0)" onclick="openIt()">js</a> <a href="mailto:ads@dsp.example">mail</a> <a href="#top">top</a> <a href="">empty</a> <a href="/relative">relative</a></TD></TR></TABLE>',
  '<map name="m"><area shape="rect" coords="0,0,10,10" href=http://landing.example/area?x=1&y=2&amp;z=%C3%A4></map>',
  '<script type="text/javascript">var s = "<a href=\'https://in-a-script.example/\'>"; document.write(\'<img src="https://dsp.example/px?cb=\' + Math.random() + \'">\');</script>',
  '<img src="https://dsp.example/imp?id=42&amp;p=${AUCTION_PRICE}" width="1" height="1">',
  '<noscript><a href="https://dsp.example/noscript-click"><img src="https://dsp.example/ns.gif"></a></noscript>',
].join('\n');

describe('redirect-wrap', () => {
  it('sends every http(s) link through the exchange and leaves every other byte as written', () => {
    const out = rewriteBanner(REALISTIC_BANNER, 'html', inputFor(REALISTIC_BANNER, ['redirect-wrap', 'none']));
    expect(out.strategy).toBe('redirect-wrap');
    expect(out.detail).toBe('3 link(s) wrapped');

    const hrefs = hrefsOf(out.adm);
    expect(hrefs.slice(1, 6)).toEqual(['javascript:void(0)', 'mailto:ads@dsp.example', '#top', '', '/relative']);
    // Entities decoded, then signed into the token as the browser would have followed them.
    expect(destinationOf(hrefs[0])).toBe('https://dsp.example/click?c=42&r=https%3A%2F%2Flanding.example%2F%3Fa%3D1');
    expect(destinationOf(hrefs[6])).toBe('http://landing.example/area?x=1&y=2&z=%C3%A4');
    expect(destinationOf(hrefs[7])).toBe('https://dsp.example/noscript-click');
    expect(hrefs).toHaveLength(8);

    // Only the three href attributes changed (each written back double-quoted, the name as the bidder wrote it);
    // the markup's macro is expanded and the impression pixel appended.
    const [a, area, noscript] = [hrefs[0], hrefs[6], hrefs[7]].map((href) => href.replace(/&/g, '&amp;'));
    const expected = REALISTIC_BANNER
      .replace("HREF='https://dsp.example/click?c=42&amp;r=https%3A%2F%2Flanding.example%2F%3Fa%3D1'", `HREF="${a}"`)
      .replace('href=http://landing.example/area?x=1&y=2&amp;z=%C3%A4', `href="${area}"`)
      .replace('href="https://dsp.example/noscript-click"', `href="${noscript}"`)
      .replace('${AUCTION_PRICE}', '1.25');
    expect(out.adm.replace(IMPRESSION_PIXEL, '')).toBe(expected);
    expect(out.adm.match(IMPRESSION_PIXEL)).toHaveLength(1);
    expect(out.adm).toContain("var s = \"<a href='https://in-a-script.example/'>\"");
    // One seal for the winner: its links are listed in the pixel's token, which each click URL carries with an index.
    const pixelToken = /\/t\/imp\?t=([A-Za-z0-9_-]+)/.exec(out.adm)![1];
    const clickTokens = [hrefs[0], hrefs[6], hrefs[7]].map((href) => new URL(href).searchParams.get('t')!);
    expect(clickTokens.map((token) => Buffer.from(token, 'base64url').subarray(0, 3))).toEqual([Buffer.of(5, 0, 0), Buffer.of(5, 0, 1), Buffer.of(5, 0, 2)]);
    expect(clickTokens.map((token) => token.slice(4))).toEqual([pixelToken, pixelToken, pixelToken]);
  });

  it('cannot apply without an http(s) link, nor to JavaScript markup: the next strategy is used', () => {
    const noLinks = '<div><a href="#x">x</a><img src="https://cdn.example/a.png"></div>';
    const out = rewriteBanner(noLinks, 'html', inputFor(noLinks, ['redirect-wrap', 'html-wrap', 'none']));
    expect(out.skipped).toEqual([{ strategy: 'redirect-wrap', reason: 'no http(s) link in the markup' }]);
    expect(out.strategy).toBe('html-wrap');
    const script = 'document.write("<a href=\\"https://landing.example/\\">x</a>");';
    const js = rewriteBanner(script, 'javascript', inputFor(script, ['redirect-wrap', 'html-wrap', 'none']));
    expect(js.skipped.map((skip) => skip.strategy)).toEqual(['redirect-wrap', 'html-wrap']);
    expect(js.strategy).toBe('none');
  });

  it('wraps a misnested link once (the tree builder clones it, the source has one href)', () => {
    const markup = '<p><a href="https://landing.example/?a=1&amp;b=2">x</p>y</a><script>var t = "<a href=\'https://in-a-script.example/\'>";</script>';
    const out = rewriteBanner(markup, 'html', inputFor(markup, ['redirect-wrap']));
    expect(out.detail).toBe('1 link(s) wrapped');
    const [href] = hrefsOf(out.adm);
    expect(destinationOf(href)).toBe('https://landing.example/?a=1&b=2');
    expect(out.adm.replace(IMPRESSION_PIXEL, '')).toBe(markup.replace('href="https://landing.example/?a=1&amp;b=2"', `href="${href.replace(/&/g, '&amp;')}"`));
  });

  it('in a whole document, puts the impression pixel before the body\'s </body> as it is after the links are rewritten', () => {
    const documents = [
      '<!DOCTYPE html><html><head><title>t</title><script>"</body>"</script></head><body><a href="https://a.example/?x=1&amp;y=2">a</a></body><a href=https://after.example/>z</a></html>',
      '<html><body><p><A HREF=\'https://a.example/\'>a</A></body>x<area href="https://b.example/"></body></html>',
      '<html><head></head><body><table><tr><td><a href="https://t.example/">t</a></td></tr></table></body></html>',
      '<div><a href="https://fragment.example/">no document</a></div>',
      '<svg><a href="https://svg.example/"></a></svg><body><a href="https://c.example/">c</a></body>',
    ];
    for (const markup of documents) {
      const out = rewriteBanner(markup, 'html', inputFor(markup, ['redirect-wrap']));
      expect(out.strategy, markup).toBe('redirect-wrap');
      const pixelAt = out.adm.search(IMPRESSION_PIXEL);
      const links = out.adm.replace(IMPRESSION_PIXEL, '');
      expect(pixelAt, markup).toBe(htmlBody(links)?.contentEnd ?? links.length);
    }
  });

  it('keeps positions right across CRLF line ends and non-ASCII text', () => {
    const markup = '<p>Ünïcödé 👍\r\n<a\r\n  href="https://landing.example/ü?q=1"\r\n>go</a></p>';
    const out = rewriteBanner(markup, 'html', inputFor(markup, ['redirect-wrap']));
    const [href] = hrefsOf(out.adm);
    expect(destinationOf(href)).toBe('https://landing.example/ü?q=1');
    expect(out.adm.replace(IMPRESSION_PIXEL, '')).toBe(markup.replace('href="https://landing.example/ü?q=1"', `href="${href.replace(/&/g, '&amp;')}"`));
  });
});

describe('click-macro', () => {
  const markup = [
    // The seeds' example: the bidder's click server redirects to ssp_click, the exchange then to the landing page.
    '<a href="https://dsp.example/click?ssp_click=${CLICK_URL}&amp;redirect=https%3A%2F%2Flanding.example%2F">',
    '<img src="https://cdn.example/b.png"></a>',
    // DFP style: the landing page written right after the macro.
    "<a href='%%CLICK_URL_UNESC%%https://landing.example/direct?a=1&amp;b=2'>direct</a>",
    '<a href="https://dsp.example/c2?u=%%CLICK_URL_ESC%%https%3A%2F%2Flanding.example%2Fesc">esc</a>',
    '<a href="https://dsp.example/c3?u=%%CLICK_URL_ESC_ESC%%">esc esc</a>',
    '<script>var clickTag = "${CLICK_URL}";</script>',
  ].join('');

  it('replaces ${CLICK_URL} and the bidder\'s own click macros, each encoded as its form requires', () => {
    const input = inputFor(markup, ['click-macro', 'redirect-wrap', 'none'], [
      { macro: '%%CLICK_URL_UNESC%%', encoding: 'raw' },
      { macro: '%%CLICK_URL_ESC%%', encoding: 'url' },
      { macro: '%%CLICK_URL_ESC_ESC%%', encoding: 'url-twice' },
    ]);
    const out = rewriteBanner(markup, 'html', input);
    expect(out.strategy).toBe('click-macro');
    expect(out.detail).toBe('5 click macro(s) replaced');
    expect(out.adm).not.toMatch(/CLICK_URL/);
    const hrefs = hrefsOf(out.adm);

    const seeds = new URL(hrefs[0]);
    expect(`${seeds.origin}${seeds.pathname}`).toBe('https://dsp.example/click');
    expect(destinationOf(seeds.searchParams.get('ssp_click')!)).toBe('https://landing.example/');
    expect(seeds.searchParams.get('redirect')).toBe('https://landing.example/');

    expect(destinationOf(hrefs[1])).toBe('https://landing.example/direct?a=1&b=2');

    const escaped = new URL(hrefs[2]);
    expect([...escaped.searchParams.keys()]).toEqual(['u']);
    expect(destinationOf(escaped.searchParams.get('u')!)).toBe('https://landing.example/esc');

    const twice = new URL(hrefs[3]).searchParams.get('u')!;
    expect(twice.startsWith('https%3A%2F%2Fex.test%2Ft%2Fclick%3Ft%3D')).toBe(true);
    expect(destinationOf(decodeURIComponent(twice))).toBeNull();

    const clickTag = /var clickTag = "([^"]+)";/.exec(out.adm)![1];
    expect(destinationOf(decodeURIComponent(clickTag))).toBeNull();
  });

  it('a macro that is the whole href is written as a usable URL, a landing page after it becomes the destination', () => {
    const markup = '<a href="${CLICK_URL}">a</a><a href="${CLICK_URL}https%3A%2F%2Flanding.example%2Fx">b</a><a href="${CLICK_URL}https://landing.example/y">c</a>';
    const out = rewriteBanner(markup, 'html', inputFor(markup, ['click-macro']));
    expect(hrefsOf(out.adm).map(destinationOf)).toEqual([null, 'https://landing.example/x', 'https://landing.example/y']);
  });

  it('falls back to the configured next strategy when the markup has no click macro', () => {
    const plain = '<a href="https://landing.example/">x</a>';
    const out = rewriteBanner(plain, 'html', inputFor(plain, ['click-macro', 'redirect-wrap', 'none']));
    expect(out.skipped).toEqual([{ strategy: 'click-macro', reason: 'no click macro in the markup' }]);
    expect(out.strategy).toBe('redirect-wrap');
    expect(destinationOf(hrefsOf(out.adm)[0])).toBe('https://landing.example/');
  });

  it('applies to JavaScript markup too, whose impression tracker is a statement', () => {
    const script = 'document.write(\'<a href="https://dsp.example/c?to=${CLICK_URL}">ad</a>\'); // the end';
    const out = rewriteBanner(script, 'javascript', inputFor(script, ['click-macro', 'none']));
    expect(out.strategy).toBe('click-macro');
    expect(out.adm).not.toContain('${CLICK_URL}');
    const [statement] = out.adm.split('\n').slice(1);
    expect(statement).toMatch(/^;\(function\(\)\{var i=new Image\(1,1\);i\.src="https:\/\/ex\.test\/t\/imp\?t=[\w-]+";\}\)\(\);$/);
    // Still a program, and the statement is not inside the trailing comment.
    expect(() => new Function(out.adm)).not.toThrow();
  });
});

describe('html-wrap', () => {
  it('wraps the markup in a container whose script reports the click to the exchange', () => {
    const markup = '<a href="https://landing.example/">x</a>';
    const out = rewriteBanner(markup, 'html', inputFor(markup, ['html-wrap']));
    const match = /^<div id="(rtb-click-[0-9a-f]+)" style="[^"]+">(.*)<\/div><script>(.*)<\/script><img /s.exec(out.adm);
    expect(match?.[2]).toBe(markup);
    const script = match![3];
    expect(script).toContain(`getElementById("${match![1]}")`);
    const reported = /u="([^"]+)"/.exec(script)![1];
    expect(destinationOf(reported)).toBeNull();
    expect(() => new Function(script)).not.toThrow();
    expect(hrefsOf(out.adm)).toEqual(['https://landing.example/']);
  });

  it('wraps only the body of a whole document, and the pixel goes inside the body', () => {
    const markup = '<!DOCTYPE html><html><head><title>x</title></head><BODY class="b"><a href="https://l.example/">x</a></BODY></html>';
    const out = rewriteBanner(markup, 'html', inputFor(markup, ['html-wrap']));
    expect(out.adm.startsWith('<!DOCTYPE html><html><head><title>x</title></head><BODY class="b"><div id="rtb-click-')).toBe(true);
    expect(out.adm).toMatch(/<\/script><img src="https:\/\/ex\.test\/t\/imp\?t=[\w-]+"[^>]*><\/BODY><\/html>$/);
  });
});

describe('none (MRAID)', () => {
  it('leaves the clicks alone and still adds the impression pixel after the bidder\'s own', () => {
    const markup = '<script src="mraid.js"></script><div onclick="mraid.open(\'https://landing.example/\')">tap</div><img src="https://dsp.example/imp">';
    const out = rewriteBanner(markup, 'html', inputFor(markup, ['none']));
    expect(out.strategy).toBe('none');
    expect(out.adm.replace(IMPRESSION_PIXEL, '')).toBe(markup);
    expect(out.adm.startsWith(markup)).toBe(true);
  });
});

describe('config', () => {
  const config = (bidders: Record<string, Record<string, unknown>>) =>
    parseConfig({ bidders: Object.fromEntries(Object.entries(bidders).map(([name, keys]) => [name, { endpoint: 'http://127.0.0.1:1/bid', ...keys }])) });

  it('resolves each bidder\'s chain from its keys over the plugin options, always ending with none', () => {
    const settings = resolveClickSettings({ click: 'click-macro', clickFallback: 'html-wrap', clickMacros: ['[CLICK]'] }, config({
      plain: {},
      wrapper: { click: 'redirect-wrap' },
      chained: { click: 'click-macro', clickFallback: ['redirect-wrap', 'html-wrap'], clickMacros: ['%%CLICK_URL_UNESC%%', { macro: '{click}', encoding: 'raw' }] },
      mraid: { click: 'none', clickFallback: 'redirect-wrap' },
    }), 'plugins.0.options');
    expect(settings.get('plain')!.chain).toEqual(['click-macro', 'html-wrap', 'none']);
    expect(settings.get('wrapper')!.chain).toEqual(['redirect-wrap', 'html-wrap', 'none']);
    expect(settings.get('chained')!.chain).toEqual(['click-macro', 'redirect-wrap', 'html-wrap', 'none']);
    expect(settings.get('mraid')!.chain).toEqual(['none']);
    expect(settings.get('chained')!.macros.map((m) => [m.macro, m.encoding])).toEqual([
      ['${CLICK_URL}', 'url'], ['%24%7BCLICK_URL%7D', 'url-twice'], ['[CLICK]', 'url'], ['%%CLICK_URL_UNESC%%', 'raw'], ['{click}', 'raw'],
    ]);
  });

  it('defaults to click-macro, falling back to redirect-wrap', () => {
    expect(resolveClickSettings({}, config({ a: {} }), 'p').get('a')!.chain).toEqual(['click-macro', 'redirect-wrap', 'none']);
  });

  it('names every bad key at start-up', () => {
    const bad = () => resolveClickSettings({ clickFallback: 'sideways' }, config({ a: { click: 'clickmacro' }, b: { clickMacros: 'x' } }), 'plugins.0.options');
    expect(bad).toThrow(RtbStartupError);
    try {
      bad();
    } catch (error) {
      const problems = (error as RtbStartupError).problems.join('\n');
      expect(problems).toMatch(/plugins\.0\.options\.clickFallback/);
      expect(problems).toMatch(/bidders\.a\.click/);
      expect(problems).toMatch(/bidders\.b\.clickMacros/);
    }
  });
});

describe('AdmBanner plugin', () => {
  it('rewrites html and javascript winners only, and logs the strategy that applied', () => {
    const logs = new LogCapture();
    const scope: PluginScope = { name: 'adm-banner', optionsAt: 'plugins.0.options', options: {}, log: logs.log.child({ plugin: 'adm-banner' }), config: parseConfig({ bidders: { dsp: { endpoint: 'http://127.0.0.1:1/bid' } } }) };
    const plugin = new AdmBanner(scope, trackers);
    const markup = '<a href="https://landing.example/">x</a>';
    const { auction, award } = fixture(markup);
    const bidder: BidderView = { name: 'dsp', config: scope.config.bidders.dsp, pricing };
    const result = plugin.admRewrite({ auction, bidder, award }, { adm: markup, format: 'html' });
    expect(result.action).toBe('update');
    expect(plugin.admRewrite({ auction, bidder, award }, { adm: '<VAST/>', format: 'vast' })).toEqual({ action: 'noop' });
    expect(plugin.admRewrite({ auction, bidder, award }, { adm: '{}', format: 'native' })).toEqual({ action: 'noop' });
    expect(logs.withMessage('click strategy fell back')[0]).toMatchObject({
      plugin: 'adm-banner', auctionId: 'auc-1', bidder: 'dsp', strategy: 'redirect-wrap',
      skipped: [{ strategy: 'click-macro', reason: 'no click macro in the markup' }],
    });
  });

  it('expands the winner\'s macros in every spelling, and builds no values for markup that names none', () => {
    const scope: PluginScope = { name: 'adm-banner', optionsAt: 'plugins.0.options', options: {}, log: pino({ level: 'silent' }), config: parseConfig({ bidders: { dsp: { endpoint: 'http://127.0.0.1:1/bid' } } }) };
    const plugin = new AdmBanner(scope, trackers);
    const bidder: BidderView = { name: 'dsp', config: scope.config.bidders.dsp, pricing };
    const rewrite = (adm: string) => {
      const { auction, award } = fixture(adm);
      const result = plugin.admRewrite({ auction, bidder, award }, { adm, format: 'html' });
      if (result.action !== 'update') throw new Error('expected an update');
      return result.value.adm.replace(IMPRESSION_PIXEL, '');
    };
    expect(rewrite('<img src="https://dsp.example/imp?p=${AUCTION_PRICE}&amp;id=%24%7BAUCTION_ID%7D">')).toBe('<img src="https://dsp.example/imp?p=1.25&amp;id=auc-1">');
    expect(rewrite('<img src="https://dsp.example/imp?p=%24%7BAUCTION_PRICE%7D">')).toBe('<img src="https://dsp.example/imp?p=1.25">');
    expect(rewrite('<img src="https://dsp.example/imp?p={AUCTION_PRICE}">')).toBe('<img src="https://dsp.example/imp?p={AUCTION_PRICE}">');
  });
});
