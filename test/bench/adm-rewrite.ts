// `npx tsx test/bench/adm-rewrite.ts`: what the markup rewriters cost per winning bid (they run for winners
// only), on realistic markup, in-process. Prints figures; asserts nothing (timings never go into tests).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Award } from '../../core/auction/bids.js';
import type { AuctionContext } from '../../core/auction/context.js';
import { SignedTrackerUrls } from '../../core/trackers/signed-tracker-urls.js';
import { rewriteBanner, type ClickSettings } from '../../plugins/adm-banner/index.js';
import { rewriteNative } from '../../plugins/adm-native/index.js';
import { rewriteVast } from '../../plugins/adm-vast/index.js';

const vectors = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/vectors');
const trackers = new SignedTrackerUrls('bench secret, at least 32 characters', 'https://ex.example', 3600, new Map());
const auction = { auctionId: 'bench-auction', startedAt: Date.now() } as AuctionContext;
const award = {
  candidate: { bid: { id: 'b', impid: '1', price: 2 }, bidder: 'dsp', priceMicros: 2_000_000, currency: 'USD', admFormat: 'html', arrival: 0 },
  clearingMicros: 1_000_000,
  minToWinMicros: 1_000_000,
} as Award;

const cell = '<td><a href="https://dsp.example/click?c=42&amp;r=https%3A%2F%2Flanding.example%2F"><img src="https://cdn.example/a.jpg" width="300" height="250"></a></td>';
const smallBanner = `<table><tr>${cell.repeat(4)}</tr></table><script>var x = 1;</script><img src="https://dsp.example/imp">`;
const largeBanner = `<div>${'<p>lorem ipsum dolor sit amet</p>'.repeat(300)}<table><tr>${cell.repeat(10)}</tr></table></div>`;
const macroBanner = '<a href="https://dsp.example/click?ssp=${CLICK_URL}&redirect=https%3A%2F%2Flanding.example%2F"><img src="https://cdn.example/a.jpg"></a>';
const vast = readFileSync(path.join(vectors, 'iab-vast-samples/VAST 4.2 Samples/Inline_Linear_Tag-test.xml'), 'utf8');
const native = readFileSync(path.join(vectors, 'prebid-openrtb/native1/response/testdata/v1.2/clickout.json'), 'utf8');

const settings = (chain: ClickSettings['chain']): ClickSettings => ({ chain, macros: [{ macro: '${CLICK_URL}', encoding: 'url' }] });
const banner = (chain: ClickSettings['chain']) => ({
  settings: settings(chain),
  macros: {},
  impressionUrl: trackers.impression(auction, award),
  clickUrl: (destination?: string) => trackers.click(auction, award, destination),
});

function measure(name: string, iterations: number, run: () => unknown): void {
  for (let i = 0; i < Math.min(3_000, iterations); i++) run();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  const micros = Number(process.hrtime.bigint() - started) / 1_000 / iterations;
  process.stdout.write(`${name.padEnd(58)} ${micros.toFixed(1).padStart(8)} µs/op\n`);
}

measure(`tracker URL (one sealed token)`, 20_000, () => trackers.click(auction, award, 'https://landing.example/'));
measure(`banner, pixel only (none), ${smallBanner.length} B`, 5_000, () => rewriteBanner(smallBanner, 'html', banner(['none'])));
measure(`banner, click-macro, ${macroBanner.length} B`, 5_000, () => rewriteBanner(macroBanner, 'html', banner(['click-macro'])));
measure(`banner, redirect-wrap 4 links, ${smallBanner.length} B`, 5_000, () => rewriteBanner(smallBanner, 'html', banner(['redirect-wrap'])));
measure(`banner, redirect-wrap 10 links, ${largeBanner.length} B`, 1_000, () => rewriteBanner(largeBanner, 'html', banner(['redirect-wrap'])));
measure(`VAST 4.2 inline, trackers inserted, ${vast.length} B`, 5_000, () =>
  rewriteVast(vast, {}, { impression: trackers.impression(auction, award), click: trackers.click(auction, award) }));
measure(`Native 1.2, trackers added, ${native.length} B`, 5_000, () =>
  rewriteNative(native, {}, { impression: trackers.impression(auction, award), click: trackers.click(auction, award), useEventTrackers: true }));
