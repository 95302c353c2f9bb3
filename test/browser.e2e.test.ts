// The demo publisher page (examples/publisher/) in a real browser: Debian's Chromium driven by playwright-core.
// Skipped, with a message, only where no Chromium is installed (`.ci/run` installs it).
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestExchange, type TestExchange } from '../core/testing/index.js';
import { DEMO_PUBLISHER_SITES, demoNativeAdm, demoVastAdm } from '../examples/demo-ads.js';
import { startMockBidder, type MockBidder } from '../core/testing/index.js';
import { builtinRegistry } from '../plugins/builtin.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}
const PUBLISHER_DIR = fileURLToPath(new URL('../examples/publisher/', import.meta.url));
const OUTPUT_DIR = fileURLToPath(new URL('../test-output/browser/', import.meta.url));
const SCREENSHOT = path.join(OUTPUT_DIR, 'demo-page.png');
// Flags for Debian's Chromium in a container (headless comes from `headless: true`).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Waits until `check` holds, polling; generous limit, no timing asserted. On a timeout, `explain()` says why. */
async function until(what: string, check: () => boolean | Promise<boolean>, explain: () => string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const paths = (bidder: MockBidder, prefix: string) => bidder.requests.filter((request) => request.method === 'GET' && request.url.startsWith(prefix));

describe.skipIf(!HAVE_CHROMIUM)('demo publisher page in Chromium', () => {
  let landing: Server;
  const landingHits: string[] = [];
  let landingUrl: string;
  let banner: MockBidder;
  let bannerLoser: MockBidder;
  let native: MockBidder;
  let video: MockBidder;
  let exchange: TestExchange;
  let userDataDir: string;
  let browser: BrowserContext;
  let page: Page;
  /** What the page reported (console, errors, failed requests), shown when a wait fails. */
  const pageEvents: string[] = [];

  beforeAll(async () => {
    // The advertiser's landing page.
    landing = createServer((req, res) => {
      landingHits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Landing</title><h1>Advertiser landing page</h1>');
    });
    await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
    landingUrl = `http://127.0.0.1:${(landing.address() as AddressInfo).port}/landing`;

    // The demo's bidders, as in rtb.config.ts but on free ports, with billing URLs and a click server.
    banner = await startMockBidder({ price: 1.2, mtype: 1, formats: ['banner'], redirects: { '/click': landingUrl } });
    banner.set({
      burl: `${banner.url}/bill?auction=\${AUCTION_ID}&price=\${AUCTION_PRICE}`,
      markup: `<a id="test-banner" href="${banner.url}/click?crid=banner-1"><div style="width:300px;height:250px;background:#2a6;color:#fff;font:20px sans-serif;display:flex;align-items:center;justify-content:center">test-dsp-banner</div></a>`,
    });
    bannerLoser = await startMockBidder({ price: 0.8, mtype: 1, formats: ['banner'] });
    native = await startMockBidder({ price: 0.9, mtype: 4, formats: ['native'] });
    native.set({
      burl: `${native.url}/bill?auction=\${AUCTION_ID}`,
      markup: demoNativeAdm({ name: 'test-dsp-native', landing: landingUrl, impressionTracker: `${native.url}/native-imp` }),
    });
    video = await startMockBidder({ price: 2.5, mtype: 2, formats: ['video'] });
    exchange = await startTestExchange({
      server: { static: { path: '/demo', dir: PUBLISHER_DIR } },
      sites: DEMO_PUBLISHER_SITES,
      bidders: {
        'test-dsp-banner': { endpoint: `${banner.url}/openrtb` },
        'test-dsp-banner-loser': { endpoint: `${bannerLoser.url}/openrtb` },
        'test-dsp-native': { endpoint: `${native.url}/openrtb` },
        'test-dsp-video': { endpoint: `${video.url}/openrtb` },
      },
      trackers: { secret: 'browser-test-tracker-secret' },
      // This test is about what the browser does with the answers, not about deadlines: on a loaded CI machine
      // (this file runs beside the CLI and cluster tests on two cores) 300 ms can pass before a bidder answers.
      auction: { tmaxMs: 5_000 },
      hooks: { timeoutMs: 2_000 },
    }, builtinRegistry());
    video.set({
      burl: `${video.url}/bill?auction=\${AUCTION_ID}`,
      markup: demoVastAdm({ name: 'test-dsp-video', landing: landingUrl, mediaUrl: `${exchange.url}/demo/ad.mp4`, impressionTracker: `${video.url}/vast-imp` }),
    });

    userDataDir = mkdtempSync(path.join(tmpdir(), 'rtb-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 950 },
    });
    page = await browser.newPage();
    page.on('console', (message) => pageEvents.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => pageEvents.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => pageEvents.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    await page.goto(`${exchange.url}/demo/`, { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await exchange?.stop();
    await Promise.all([banner, bannerLoser, native, video].map((mock) => mock?.close()));
    await new Promise<void>((resolve) => (landing ? landing.close(() => resolve()) : resolve()));
  });

  /** The exchange's side of the story, for a failed wait: each auction's bidders, warnings and errors, the page's events. */
  const diagnosis = () => [
    ...exchange.logs.withMessage('auction').map((line) => `auction ${String(line.site)} in ${String(line.durationMs)} ms: ${JSON.stringify(line.bidders)}`),
    ...exchange.logs.lines.filter((line) => line.level >= 40).map((line) => `log ${line.level}: ${JSON.stringify(line)}`),
    ...pageEvents,
  ].join('\n');
  const waitUntil = (what: string, check: () => boolean | Promise<boolean>) => until(what, check, diagnosis);
  /** Waits for `selector` on the page; a timeout says what the exchange and the page saw. */
  const element = async (selector: string, state: 'attached' | 'visible') => {
    const locator = page.locator(selector);
    await locator.waitFor({ state, timeout: 20_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\n${diagnosis()}`);
    });
    return locator;
  };

  const impressionsOf = (bidder: string) => exchange.logs.withMessage('impression').filter((line) => line.bidder === bidder);

  it('renders the banner; its impression tracker bills the winner once through burl', async () => {
    const ad = await element('#banner-slot #test-banner', 'visible');
    expect(await ad.textContent()).toContain('test-dsp-banner');
    // redirect-wrap: the link goes through the exchange's click tracker.
    expect(await ad.getAttribute('href')).toMatch(new RegExp(`^${exchange.url}/t/click\\?t=`));
    await waitUntil('the banner impression', () => impressionsOf('test-dsp-banner').length >= 1);
    await waitUntil("the banner winner's burl", () => paths(banner, '/bill').length >= 1);
    expect(paths(bannerLoser, '/bill')).toHaveLength(0);
  }, 60_000);

  it('renders the native ad and fires its trackers, the exchange one billing the winner', async () => {
    const ad = await element('#native-slot .native-ad', 'visible');
    expect(await ad.textContent()).toContain('Native ad from test-dsp-native');
    await waitUntil("the native bidder's own tracker", () => paths(native, '/native-imp').length >= 1);
    await waitUntil('the native impression', () => impressionsOf('test-dsp-native').length >= 1);
    await waitUntil("the native winner's burl", () => paths(native, '/bill').length >= 1);
  }, 60_000);

  it('plays the VAST ad and fires its <Impression> URLs, the exchange one billing the winner', async () => {
    await element('#video-slot video', 'attached');
    await waitUntil('the page to report the VAST impressions', async () => (await page.locator('#video-slot .status').count()) > 0);
    expect(await page.locator('#video-slot .status').textContent()).toContain('VAST impressions fired (playback started)');
    await waitUntil("the video bidder's own <Impression>", () => paths(video, '/vast-imp').length >= 1);
    await waitUntil('the video impression', () => impressionsOf('test-dsp-video').length >= 1);
    await waitUntil("the video winner's burl", () => paths(video, '/bill').length >= 1);
  }, 60_000);

  it('writes a screenshot of the page', async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(1_000);
  }, 60_000);

  it('sends a banner click exchange → bidder → landing page', async () => {
    await page.click('#banner-slot #test-banner');
    await page.waitForURL(`${landingUrl}**`, { timeout: 20_000 });
    const landed = () => landingHits.filter((hit) => hit.startsWith('/landing'));
    await waitUntil('the landing page hit', () => landed().length >= 1);
    // The exchange recorded the click and redirected to the bidder's click URL, which redirected to the landing page.
    const clicks = exchange.logs.withMessage('click').filter((line) => line.bidder === 'test-dsp-banner');
    expect(clicks.map((line) => line.destination)).toEqual([`${banner.url}/click?crid=banner-1`]);
    expect(paths(banner, '/click')).toHaveLength(1);
    expect(landed()).toEqual(['/landing']);
    expect(page.url()).toBe(landingUrl);
  }, 60_000);

  it('billed every winner exactly once', async () => {
    // Each page view bills once, however the trackers were reached (the page has been left by now).
    await waitUntil('every notice delivered', () => [banner, native, video].every((bidder) => paths(bidder, '/bill').length >= 1));
    expect(paths(banner, '/bill')).toHaveLength(1);
    expect(paths(native, '/bill')).toHaveLength(1);
    expect(paths(video, '/bill')).toHaveLength(1);
    expect(impressionsOf('test-dsp-banner').filter((line) => !line.duplicate)).toHaveLength(1);
    expect(exchange.logs.withMessage('billing')).toHaveLength(3);
  }, 60_000);
});
