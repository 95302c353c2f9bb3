// `npx tsx test/bench/adm-rewrite.ts [filter]`: what the markup rewriters cost per winning bid (they run for winners
// only), on realistic markup, in-process. Prints figures; asserts nothing (timings never go into tests).
// With a filter, only the cases whose name contains it run (e.g. `npx tsx --cpu-prof test/bench/adm-rewrite.ts plugin`).
import 'reflect-metadata';
import pino from 'pino';
import type { Award } from '../../core/auction/bids.js';
import type { AuctionContext, BidderView } from '../../core/auction/context.js';
import { parseConfig } from '../../core/config/load.js';
import { auctionMacroValues, expandMacros } from '../../core/macros.js';
import { DecimalCpmPricing } from '../../core/pricing.js';
import { SignedTrackerUrls } from '../../core/trackers/signed-tracker-urls.js';
import { TrackerTokenCodec, type TrackerClaim } from '../../core/trackers/token-codec.js';
import { htmlBody, htmlLinks } from '../../plugins/adm-banner/html-source.js';
import { AdmBanner, rewriteBanner, type ClickSettings } from '../../plugins/adm-banner/index.js';
import { rewriteNative } from '../../plugins/adm-native/index.js';
import { planVastTrackers, readVast, rewriteVast } from '../../plugins/adm-vast/index.js';
import { readVector } from '../vectors.js';

const filter = process.argv[2] ?? '';
const trackers = new SignedTrackerUrls('bench secret, at least 32 characters', 'https://ex.example', 3600, new Map());
const codec = new TrackerTokenCodec('bench secret, at least 32 characters');
const pricing = new DecimalCpmPricing();
const auction = { auctionId: 'bench-auction', startedAt: Date.now() } as AuctionContext;
const award = {
  candidate: { bid: { id: 'b', impid: '1', price: 2 }, bidder: 'dsp', priceMicros: 2_000_000, currency: 'USD', admFormat: 'html', arrival: 0 },
  clearingMicros: 1_000_000,
  minToWinMicros: 1_000_000,
} as Award;
const clickClaim: TrackerClaim = {
  kind: 'click', auctionId: auction.auctionId, auctionStartedAt: auction.startedAt, bidder: 'dsp', bidId: 'b', impId: '1',
  clearingMicros: 1_000_000, expiresAt: auction.startedAt + 3_600_000, destination: 'https://landing.example/',
};
/**
 * A new award object per winner, as in an auction: the tracker URLs seal one impression token per award (and
 * reuse it for its clicks), so reusing one award would measure that seal once only.
 */
const fresh = (): Award => ({ ...award });

/** The mock bidder's default banner (core/testing/mock-bidder.ts): what every bench auction's winner sends. */
const mockBidderBanner = '<div class="ad"><a href="https://advertiser.example/landing">Ad</a></div>';
const cell = '<td><a href="https://dsp.example/click?c=42&amp;r=https%3A%2F%2Flanding.example%2F"><img src="https://cdn.example/a.jpg" width="300" height="250"></a></td>';
const smallBanner = `<table><tr>${cell.repeat(4)}</tr></table><script>var x = 1;</script><img src="https://dsp.example/imp">`;
const largeBanner = `<div>${'<p>lorem ipsum dolor sit amet</p>'.repeat(300)}<table><tr>${cell.repeat(10)}</tr></table></div>`;
/** A real-world-like creative: several links, scripts with markup in strings, a pixel with a price macro. */
const realWorld = [
  '<!-- DSP creative 42 -->',
  '<div id="ad-42" style="width:300px;height:250px;position:relative;overflow:hidden">',
  '<style>.ad-42 a{color:#036;text-decoration:none} .ad-42 .cta{position:absolute;bottom:8px;right:8px}</style>',
  '<a href="https://dsp.example/click?c=42&amp;cr=7&amp;r=https%3A%2F%2Flanding.example%2Fspring%3Futm_source%3Dssp" target="_blank"><img src="https://cdn.example/creatives/42/300x250.jpg" width="300" height="250" alt="Spring sale" border="0"></a>',
  '<a class="cta" href="https://dsp.example/click?c=42&amp;cr=7&amp;slot=cta&amp;r=https%3A%2F%2Flanding.example%2Fshop" target="_blank">Shop now &rsaquo;</a>',
  '<a href="https://privacy.dsp.example/adchoices?c=42" target="_blank"><img src="https://cdn.example/adchoices.png" width="19" height="15" alt="AdChoices"></a>',
  '<a href="javascript:void(0)" onclick="document.getElementById(\'ad-42\').style.display=\'none\'">×</a>',
  '<script type="text/javascript">(function(){var d=document,s=d.createElement("script");s.src="https://verify.example/v.js?c=42&cb="+Math.random();',
  's.async=true;d.body.appendChild(s);var t="<a href=\'https://in-a-script.example/\'>";})();</script>',
  '<img src="https://dsp.example/imp?c=42&amp;p=${AUCTION_PRICE}&amp;a=${AUCTION_ID}" width="1" height="1" style="display:none">',
  '<noscript><a href="https://dsp.example/click?c=42&amp;ns=1"><img src="https://dsp.example/ns.gif"></a></noscript>',
  '</div>',
].join('\n');
/** A whole document (an iframe-style creative) with several links. */
const wholeDocument = [
  '<!DOCTYPE html>',
  '<html><head><meta charset="utf-8"><title>Ad</title>',
  '<style>body{margin:0}a{color:#036}</style>',
  '<script>window.clickTag = "https://dsp.example/click?c=9";</script>',
  '</head><body>',
  realWorld,
  '</body></html>',
].join('\n');
const macroBanner = '<a href="https://dsp.example/click?ssp=${CLICK_URL}&redirect=https%3A%2F%2Flanding.example%2F"><img src="https://cdn.example/a.jpg"></a>';
const vast = readVector('iab-vast-samples/VAST 4.2 Samples/Inline_Linear_Tag-test.xml');
const native = readVector('prebid-openrtb/native1/response/testdata/v1.2/clickout.json');

const settings = (chain: ClickSettings['chain']): ClickSettings => ({ chain, macros: [{ macro: '${CLICK_URL}', encoding: 'url' }] });
const banner = (chain: ClickSettings['chain'], winner = fresh()) => ({
  settings: settings(chain),
  macros: {},
  impressionUrl: () => trackers.impression(auction, winner),
  clickUrl: (destination?: string) => trackers.click(auction, winner, destination),
  clickUrls: (destinations: readonly (string | undefined)[]) => trackers.clicks(auction, winner, destinations),
});

// The plugin as the exchange runs it: default settings (click-macro, falling back to redirect-wrap), logger at
// `info` (the strategy lines are `debug`), the winner's macro values built per call.
const config = parseConfig({ bidders: { dsp: { endpoint: 'http://127.0.0.1:1/bid' } } });
const plugin = new AdmBanner({ name: 'adm-banner', optionsAt: 'plugins.0.options', options: {}, log: pino({ level: 'info' }, pino.destination('/dev/null')), config }, trackers);
const bidder: BidderView = { name: 'dsp', config: config.bidders.dsp, pricing };
const viaPlugin = (adm: string) => () => plugin.admRewrite({ auction, bidder, award: fresh() }, { adm, format: 'html' });

/**
 * Runs `run` in 5 rounds after a warm-up and prints the fastest round, in CPU time of this process (user +
 * system): the machine is shared, so wall time counts other processes' turns, and slower rounds are noise.
 */
function measure(name: string, iterations: number, run: () => unknown): void {
  if (!name.includes(filter)) return;
  for (let i = 0; i < Math.min(3_000, iterations); i++) run();
  const perRound = Math.ceil(iterations / 5);
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = process.cpuUsage();
    for (let i = 0; i < perRound; i++) run();
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / perRound);
  }
  process.stdout.write(`${name.padEnd(66)} ${best.toFixed(1).padStart(8)} µs/op\n`);
}

// The pieces.
measure(`piece: tracker URL, impression (the winner's one AES-GCM seal)`, 20_000, () => trackers.impression(auction, fresh()));
measure(`piece: tracker URL, click of a sealed winner (an HMAC)`, 20_000, () => trackers.click(auction, award, 'https://landing.example/'));
measure(`piece: tracker URLs, a click listed in the seal, then the impression`, 20_000, () => {
  const winner = fresh();
  return [trackers.clicks(auction, winner, ['https://landing.example/']), trackers.impression(auction, winner)];
});
measure(`piece: token, click sealed on its own (AES-GCM, as before)`, 20_000, () => codec.seal(clickClaim));
measure(`piece: macro values + expansion, ${realWorld.length} B`, 20_000, () => expandMacros(realWorld, auctionMacroValues(auction, { award }, pricing)));
measure(`piece: links found, mock bidder banner, ${mockBidderBanner.length} B`, 20_000, () => htmlLinks(mockBidderBanner));
measure(`piece: links found, real-world banner, ${realWorld.length} B`, 10_000, () => htmlLinks(realWorld));
measure(`piece: links found, whole document, ${wholeDocument.length} B`, 10_000, () => htmlLinks(wholeDocument));
measure(`piece: <body> found, whole document, ${wholeDocument.length} B`, 10_000, () => htmlBody(wholeDocument));

// Whole rewrites, as the plugin runs them for one winner.
measure(`plugin: mock bidder banner (default chain, 1 link), ${mockBidderBanner.length} B`, Number(process.env.BENCH_ITERATIONS ?? 20_000), viaPlugin(mockBidderBanner));
measure(`plugin: real-world banner (default chain, 4 links), ${realWorld.length} B`, 5_000, viaPlugin(realWorld));
measure(`plugin: whole document (default chain, 4 links), ${wholeDocument.length} B`, 5_000, viaPlugin(wholeDocument));

measure(`banner, pixel only (none), ${smallBanner.length} B`, 5_000, () => rewriteBanner(smallBanner, 'html', banner(['none'])));
measure(`banner, click-macro, ${macroBanner.length} B`, 5_000, () => rewriteBanner(macroBanner, 'html', banner(['click-macro'])));
measure(`banner, redirect-wrap 4 links, ${smallBanner.length} B`, 5_000, () => rewriteBanner(smallBanner, 'html', banner(['redirect-wrap'])));
measure(`banner, redirect-wrap 10 links, ${largeBanner.length} B`, 1_000, () => rewriteBanner(largeBanner, 'html', banner(['redirect-wrap'])));
// As the plugins mint them: the click first, listed in the impression token.
const vastUrls = (winner: Award) => {
  const [click] = trackers.clicks(auction, winner, [undefined]);
  return { impression: trackers.impression(auction, winner), click };
};
// A VAST bid is parsed by its validation (every VAST bid), which plans where the trackers go; a winner's are filled in.
const validate = () => {
  const reading = readVast(vast);
  if (!reading.ok) throw new Error(reading.reason);
  return planVastTrackers(reading.doc);
};
measure(`VAST 4.2 inline, parsed and planned (each VAST bid's validation), ${vast.length} B`, 5_000, validate);
const plan = validate();
measure(`VAST 4.2 inline, trackers inserted as planned (the winner), ${vast.length} B`, 5_000, () => rewriteVast(plan, {}, vastUrls(fresh())));
measure(`Native 1.2, trackers added, ${native.length} B`, 5_000, () => rewriteNative(native, {}, { ...vastUrls(fresh()), useEventTrackers: true }));
