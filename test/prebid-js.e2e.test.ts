// The real Prebid.js (npm, bundled with esbuild) on a publisher page served from another origin than the exchange,
// in Debian's Chromium: its Prebid Server adapter sells a banner, a native and an instream video unit through
// `POST /openrtb2/auction`, runs the user syncs `POST /cookie_sync` lists, and the page renders what it won (the
// video through vast-client, from the exchange's cache). Issue 16's "done when". Skipped, with a message, only where
// no Chromium is installed (`.ci/run` installs it).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockBidder, startTestExchange, type MockBidder, type TestExchange } from '../core/testing/index.js';
import { demoNativeAdm, demoVastAdm } from '../examples/demo-ads.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { freePort } from './redis-server.js';
import { until } from './until.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`Prebid.js test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
const PAGE_DIR = fileURLToPath(new URL('./prebid-page/', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BIDDERS = ['dspa', 'dspb', 'dspn', 'dspv'];

/** What the page reports (test/prebid-page/page.js). */
interface PageResults {
  rounds: Array<Array<{ code: string; bidder: string; cpm: number; mediaType: string; vastUrl?: string; videoCacheKey?: string; hb_pb?: string }>>;
  rendered: { banner?: string; native?: string; video?: { bidder: string; impressions: string[]; clicks: string[] } };
  errors: string[];
}

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
};

describe.skipIf(!HAVE_CHROMIUM)('Prebid.js (prebidServerBidAdapter) against the exchange, from a page on another origin', () => {
  const mocks: Record<string, MockBidder> = {};
  let exchange: TestExchange;
  let pageServer: Server;
  let syncServer: Server;
  const syncHits: string[] = [];
  let pageUrl: string;
  let userDataDir: string;
  let browser: BrowserContext;
  let page: Page;
  const pageEvents: string[] = [];

  const results = () => page.evaluate(() => (window as unknown as { results: PageResults }).results);
  const diagnosis = () => [
    ...exchange.logs.lines.filter((line) => line.level >= 40 || line.msg === 'auction').map((line) => JSON.stringify(line)),
    ...pageEvents.slice(-40),
  ].join('\n');
  /** Waits for `check`; a timeout says what the exchange and the page saw. */
  const waitUntil = (what: string, check: () => boolean | Promise<boolean>) => until(check, what, 25_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${diagnosis()}`);
  });
  const hits = (name: string, prefix: string) => mocks[name]!.requests.filter((request) => request.method === 'GET' && request.url.startsWith(prefix));
  const bidRequests = (name: string) => mocks[name]!.requests.filter((request) => request.method === 'POST');

  beforeAll(async () => {
    const exchangePort = await freePort();
    // The exchange and the page share a site (localhost) on different ports: cross-origin (CORS applies, as on a
    // publisher's page) while the exchange's http cookie (SameSite=Lax) still reaches it.
    const exchangeUrl = `http://localhost:${exchangePort}`;

    // Each bidder's user-sync server: redirects the browser back to the exchange's /setuid with the bidder's uid.
    syncServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      syncHits.push(url.searchParams.get('bidder') ?? '');
      res.writeHead(302, { location: (url.searchParams.get('redir') ?? '').replace('$UID', `uid-of-${url.searchParams.get('bidder')}`) }).end();
    });
    const syncPort = await listen(syncServer);
    const syncUrl = (bidder: string) => `http://localhost:${syncPort}/usersync?bidder=${bidder}&redir={{redirect_url}}`;

    mocks.dspa = await startMockBidder({ price: 1.5, mtype: 1, formats: ['banner'], bidFields: { w: 300, h: 250 } });
    mocks.dspb = await startMockBidder({ price: 1.05, mtype: 1, formats: ['banner'], bidFields: { w: 300, h: 250 } });
    mocks.dspn = await startMockBidder({ price: 0.9, mtype: 4, formats: ['native'] });
    mocks.dspv = await startMockBidder({ price: 2.5, formats: ['video'] });
    for (const name of BIDDERS) {
      const url = mocks[name]!.url;
      mocks[name]!.set({ nurl: `${url}/win?p=\${AUCTION_PRICE}`, burl: `${url}/bill?p=\${AUCTION_PRICE}`, lurl: `${url}/loss?r=\${AUCTION_LOSS}` });
    }
    mocks.dspa!.set({ markup: '<div id="dspa-ad" style="width:300px;height:250px;background:#2a6">dspa</div>' });
    mocks.dspb!.set({ markup: '<div id="dspb-ad">dspb</div>' });
    mocks.dspn!.set({ markup: demoNativeAdm({ name: 'dspn', landing: 'https://advertiser.example/', impressionTracker: `${mocks.dspn!.url}/native-imp` }) });
    mocks.dspv!.set({ videoMarkup: demoVastAdm({ name: 'dspv', landing: 'https://advertiser.example/', mediaUrl: 'https://cdn.example/ad.mp4', impressionTracker: `${mocks.dspv!.url}/vast-imp` }) });

    pageServer = createServer();
    const pagePort = await listen(pageServer);
    pageUrl = `http://localhost:${pagePort}/`;
    exchange = await startTestExchange({
      server: { port: exchangePort, publicUrl: exchangeUrl, cors: { origins: [`http://localhost:${pagePort}`] } },
      bidders: Object.fromEntries(BIDDERS.map((name) => [name, { endpoint: `${mocks[name]!.url}/openrtb`, syncTag: name, syncUrl: syncUrl(name) }])),
      plugins: [{ name: 'user-sync', options: { cookieSecret: 'prebid-js-test-cookie-secret' } }],
      trackers: { secret: 'prebid-js-test-tracker-secret' },
      // What the browser does with the answers is the subject here, not deadlines (a loaded CI machine is slow).
      auction: { tmaxMs: 5_000 },
      hooks: { timeoutMs: 2_000 },
    }, builtinRegistry());

    const bundle = await build({
      entryPoints: [path.join(PAGE_DIR, 'entry.js')], bundle: true, format: 'iife', platform: 'browser', target: 'es2020', write: false, logLevel: 'warning',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const script = bundle.outputFiles[0]!.contents;
    const html = '<!doctype html><html><head><title>Publisher</title>' +
      `<script>var EXCHANGE = ${JSON.stringify(exchangeUrl)}; var BIDDERS = ${JSON.stringify(BIDDERS)};</script>` +
      '<script src="/prebid.js"></script></head><body>' +
      '<iframe id="banner-frame" width="300" height="250" frameborder="0"></iframe><div id="native-slot"></div>' +
      `<script>${readFileSync(path.join(PAGE_DIR, 'page.js'), 'utf8')}</script></body></html>`;
    pageServer.on('request', (req, res) => {
      if (req.url === '/prebid.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      else res.writeHead(404).end();
    });

    userDataDir = mkdtempSync(path.join(tmpdir(), 'rtb-prebid-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on('console', (message) => pageEvents.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => pageEvents.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => pageEvents.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    await page.goto(pageUrl, { waitUntil: 'load' });
    await waitUntil('the first auction rendered', async () => {
      const { rendered, errors } = await results();
      return errors.length > 0 || (rendered.banner !== undefined && rendered.native !== undefined && rendered.video !== undefined);
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await exchange?.stop();
    await Promise.all(Object.values(mocks).map((mock) => mock.close()));
    await Promise.all([pageServer, syncServer].map((server) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))));
  });

  it('receives every offered bid (both banner bidders, native, video with a cache URL), each with its targeting', async () => {
    const { rounds, errors } = await results();
    expect(errors).toEqual([]);
    const [first] = rounds;
    const byBidder = Object.fromEntries(first!.map((bid) => [bid.bidder, bid]));
    expect(Object.keys(byBidder).sort()).toEqual(BIDDERS);
    expect(byBidder.dspa).toMatchObject({ code: 'banner-1', cpm: 1.5, mediaType: 'banner', hb_pb: '1.50' });
    // The page decides, so the lower banner bid reaches the page too, at its own price.
    expect(byBidder.dspb).toMatchObject({ code: 'banner-1', cpm: 1.05, mediaType: 'banner', hb_pb: '1.05' });
    expect(byBidder.dspn).toMatchObject({ code: 'native-1', cpm: 0.9, mediaType: 'native' });
    expect(byBidder.dspv).toMatchObject({ code: 'video-1', cpm: 2.5, mediaType: 'video' });
    expect(byBidder.dspv!.vastUrl).toBe(`${exchange.url.replace('127.0.0.1', 'localhost')}/cache?uuid=${byBidder.dspv!.videoCacheKey}`);
  });

  it('renders the highest banner, the native ad and the video; each winner gets its win notice once, at render, and is billed once', async () => {
    const { rendered } = await results();
    expect(rendered.banner).toBe('dspa');
    expect(rendered.native).toBe('dspn');
    expect(rendered.video?.bidder).toBe('dspv');
    // Prebid renders the creative in an iframe of its own inside the slot's.
    const creative = page.frameLocator('#banner-frame').frameLocator('iframe');
    expect(await creative.locator('#dspa-ad').textContent()).toBe('dspa');
    expect(await page.locator('#native-slot .native-ad').textContent()).toContain('Native ad from dspn');
    // vast-client read the cached VAST: the bidder's <Impression> and the exchange's, each once; one exchange click tracker.
    const exchangeImpressions = rendered.video!.impressions.filter((url) => url.includes('/t/imp?t='));
    expect(exchangeImpressions).toHaveLength(1);
    expect(rendered.video!.impressions.filter((url) => url.includes('/vast-imp'))).toHaveLength(1);
    expect(rendered.video!.clicks.filter((url) => url.includes('/t/click?t='))).toHaveLength(1);

    for (const name of ['dspa', 'dspn', 'dspv']) {
      await waitUntil(`${name}'s win and billing notices`, () => hits(name, '/win').length >= 1 && hits(name, '/bill').length >= 1);
    }
    await waitUntil('the bidders\' own trackers', () => hits('dspn', '/native-imp').length >= 1 && hits('dspv', '/vast-imp').length >= 1);
    // Prebid fires the bid's burl (the exchange's tracker) beside the markup's own pixel: still one win and one bill each.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const name of ['dspa', 'dspn', 'dspv']) {
      expect(hits(name, '/win'), name).toHaveLength(1);
      expect(hits(name, '/bill'), name).toHaveLength(1);
    }
    expect(hits('dspa', '/win')[0]!.url).toBe('/win?p=1.5');
    expect(hits('dspb', '/win')).toEqual([]);
    expect(hits('dspb', '/bill')).toEqual([]);
    expect(exchange.logs.withMessage('billing').map((line) => line.bidder).sort()).toEqual(['dspa', 'dspn', 'dspv']);
    // Each impression tracker was hit more than once (Prebid fires the bid's burl, the creative its own pixel): refused as duplicates.
    const duplicated = () => new Set(exchange.logs.withMessage('impression').filter((line) => line.duplicate === true).map((line) => line.bidder));
    await waitUntil('the duplicate hits', () => duplicated().size === 3);
    expect(duplicated()).toEqual(new Set(['dspa', 'dspn', 'dspv']));
    expect(exchange.logs.withMessage('billing')).toHaveLength(3);
  }, 60_000);

  it('runs the user syncs /cookie_sync lists; the next auction gives each bidder its own buyeruid, and lists no sync', async () => {
    await waitUntil('every bidder\'s user sync', () => BIDDERS.every((name) => syncHits.includes(name)));
    await waitUntil('the bindings stored', async () => (await browser.cookies(exchange.url.replace('127.0.0.1', 'localhost'))).some((cookie) => cookie.name === 'rtb_uid'));
    const before = Object.fromEntries(BIDDERS.map((name) => [name, bidRequests(name).length]));
    await page.evaluate(() => (window as unknown as { runAuction: (render: boolean) => Promise<void> }).runAuction(false));
    for (const name of BIDDERS) {
      await waitUntil(`${name}'s second bid request`, () => bidRequests(name).length > before[name]!);
      expect(bidRequests(name).at(-1)!.json.user?.buyeruid, name).toBe(`uid-of-${name}`);
    }
    expect(syncHits.filter((name) => name === 'dspa')).toHaveLength(1);
  }, 60_000);
});
