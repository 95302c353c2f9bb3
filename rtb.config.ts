import { defineConfig } from './core/index.js';
import { DEMO_PUBLISHER_SITES, demoNativeAdm, demoVastAdm } from './examples/demo-ads.js';
import { startDemoSyncBidder } from './examples/demo-sync-bidder.js';
import { startMockBidder } from './core/testing/index.js';

// The embedded demo exchange that `npm start` runs: the exchange on :8080 and two local demo bidders
// (mock DSPs from examples/) that it starts beside itself. Try:
//   curl -i 'http://localhost:8080/ad?site=demo&mincpm=0.5'
// User sync: demo-dsp-a's ad carries a sync pixel for browsers it does not know; load it with the cookie
// and demo-dsp-a receives its id as user.buyeruid from the next ad request on (steps in
// plugins/user-sync/README.md, "Try it on the demo").
// Demo publisher page (banner, native, VAST video): open http://localhost:8080/demo/ (examples/publisher/).
const PUBLIC_URL = 'http://localhost:8080';
// Demo values only: a real exchange reads secrets from the environment, e.g. `syncKey: { env: 'DSP_A_SYNC_KEY' }`.
const DEMO_A_SYNC = { tag: 'demo-a', key: 'demo-a-sync-key' };
const DEMO_COOKIE_SECRET = 'demo-only-cookie-secret-change-me';
// Keys the exchange's tracker tokens (impression → burl, click → redirect); a real exchange sets
// `trackers: { secret: { env: 'RTB_TRACKER_SECRET' } }` or just the RTB_TRACKER_SECRET variable.
const DEMO_TRACKER_SECRET = 'demo-only-tracker-secret-change-me';
const creative = (name: string, color: string) =>
  `<a href="https://example.com/?from=${name}" target="_blank"><div style="width:300px;height:250px;background:${color};color:#fff;font:20px sans-serif;display:flex;align-items:center;justify-content:center">${name}</div></a>`;

export default defineConfig({
  server: { port: 8080, publicUrl: PUBLIC_URL, static: { path: '/demo', dir: 'examples/publisher' } },
  currency: 'USD',
  auction: { type: 'second-price', step: 0.01, tmaxMs: 300 },
  // demo (banner 300×250, floor 0.1), demo-native and demo-video: the publisher page's placements.
  sites: DEMO_PUBLISHER_SITES,
  bidders: {
    'demo-dsp-a': { endpoint: 'http://127.0.0.1:9101/openrtb', dialect: 'openrtb', openrtbVersion: '2.6', syncTag: DEMO_A_SYNC.tag, syncKey: DEMO_A_SYNC.key },
    'demo-dsp-b': { endpoint: 'http://127.0.0.1:9102/openrtb', dialect: 'openrtb', openrtbVersion: '2.5', gzip: true },
    'demo-dsp-native': { endpoint: 'http://127.0.0.1:9103/openrtb' },
    'demo-dsp-video': { endpoint: 'http://127.0.0.1:9104/openrtb' },
  },
  plugins: [{ name: 'user-sync', options: { cookieSecret: DEMO_COOKIE_SECRET } }],
  trackers: { secret: DEMO_TRACKER_SECRET },
  // Win/loss/billing notices are journaled here (the default) and delivered even across restarts.
  notices: { journalDir: '.rtb/notices' },
  log: { level: 'info' },
  sidecars: [
    () => startDemoSyncBidder({ name: 'demo-dsp-a', port: 9101, price: 1.2, delayMs: 15, markup: creative('demo-dsp-a', '#2a6'), syncUrl: `${PUBLIC_URL}/sync`, ...DEMO_A_SYNC }),
    () => startMockBidder({
      port: 9102, record: false, price: 0.8, delayMs: 25, markup: creative('demo-dsp-b', '#26a'), gzip: true, formats: ['banner'],
      // Notices the exchange sends back: it loses to demo-dsp-a, so it gets its lurl.
      nurl: 'http://127.0.0.1:9102/win?auction=${AUCTION_ID}&price=${AUCTION_PRICE}',
      lurl: 'http://127.0.0.1:9102/loss?auction=${AUCTION_ID}&reason=${AUCTION_LOSS}&min=${AUCTION_MIN_TO_WIN}',
      burl: 'http://127.0.0.1:9102/bill?auction=${AUCTION_ID}&price=${AUCTION_PRICE}&ts=${AUCTION_IMP_TS}',
    }),
    // The page's native and video ads; each bids only on its own format (a 204 elsewhere).
    () => startMockBidder({
      port: 9103, record: false, price: 0.9, delayMs: 10, formats: ['native'], mtype: 4,
      markup: demoNativeAdm({ name: 'demo-dsp-native', landing: 'https://example.com/?from=demo-dsp-native', impressionTracker: 'http://127.0.0.1:9103/imp' }),
    }),
    () => startMockBidder({
      port: 9104, record: false, price: 2.5, delayMs: 10, formats: ['video'], mtype: 2,
      // The repository ships no video file: the page fires the impressions on the media error (examples/publisher/README.md).
      markup: demoVastAdm({ name: 'demo-dsp-video', landing: 'https://example.com/?from=demo-dsp-video', mediaUrl: `${PUBLIC_URL}/demo/ad.mp4`, impressionTracker: 'http://127.0.0.1:9104/imp' }),
    }),
  ],
});
