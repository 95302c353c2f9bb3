import { fileURLToPath } from 'node:url';
import { defineConfig } from '../core/index.js';
import { startMockBidder } from '../core/testing/index.js';

// Speaking Google Ad Exchange's protobuf protocol to AdX bidders (plugins/adx-dialect): one adslot per banner
// imp, the bidder's adgroups and exclusions from config, %%GOOGLE_USER_ID%% in its URL, and its
// %%WINNING_PRICE%% encrypted with its keys (here Google's published sample keys: demo only; a real exchange
// keeps keys out of the config file). adx-dsp-a bids 1.50, adx-dsp-b 1.10: adx-dsp-a wins and its pixel
// gets 1.11 per thousand as 1110 CPI micros, encrypted.
//   node core/bin.mjs start --config examples/adx.config.ts
//   curl -i 'http://localhost:8083/ad?site=news&mincpm=0.5'
const dictionary = (file: string) => fileURLToPath(new URL(`../plugins/adx-dialect/fixtures/adx-rtb-dictionaries/${file}`, import.meta.url));
const creative = (name: string) =>
  `<div style="width:300px;height:250px;background:#62a;color:#fff">${name}<img src="https://adx-dsp.example/imp?price=%%WINNING_PRICE%%" width="1" height="1"></div>`;
const dictionaries = {
  creativeAttributes: dictionary('publisher-excludable-creative-attributes.txt'),
  sensitiveCategories: dictionary('ad-sensitive-categories.txt'),
  vendors: dictionary('vendors.txt'),
};

export default defineConfig({
  server: { port: 8083, publicUrl: 'http://localhost:8083' },
  currency: 'USD',
  auction: { type: 'second-price', step: 0.01, tmaxMs: 300 },
  sites: { news: { banner: { w: 300, h: 250 }, floor: 0.1 } },
  bidders: {
    'adx-dsp-a': {
      endpoint: 'http://127.0.0.1:9221/adx?gid=%%GOOGLE_USER_ID%%',
      dialect: 'adx',
      dictionaries,
      adx: { adgroups: [3254984134, 2646216548], excludedAttributes: ['MraidType: Mraid 1.0'], excludedSensitiveCategories: [2], allowedVendorTypes: ['Vendor1'] },
      priceEncryption: { encryptionKey: 'skU7Ax_NL5pPAFyKdkfZjZz2-VhIN8bjj1rVFOaJ_5o=', integrityKey: 'arO23ykdNqUQ5LEoQ0FVmPkBd7xB5CO89PDZlSjpFxo=' },
    },
    'adx-dsp-b': {
      endpoint: 'http://127.0.0.1:9222/adx',
      dialect: 'adx',
      adx: { adgroups: [77] },
      priceEncryption: { encryptionKey: 'sIxwz7yw62yrfoLGt12lIHKuYrK/S5kLuApI2BQe7Ac=', integrityKey: 'v3fsVcMBMMHYzRhi7SpM0sdqwzvAxM6KPTu9OtVod5I=' },
    },
  },
  plugins: ['adx-winning-price'],
  log: { level: 'info' },
  sidecars: [
    () => startMockBidder({ port: 9221, dialect: 'adx', price: 1_500_000, delayMs: 10, markup: creative('adx-dsp-a'), adx: { adgroupId: 2646216548, vendorType: [1] } }),
    () => startMockBidder({ port: 9222, dialect: 'adx', price: 1_100_000, delayMs: 20, markup: creative('adx-dsp-b') }),
  ],
});
