import { defineConfig } from '../core/index.js';
import { startMockBidder } from '../core/testing/index.js';

// An RTB host (plugins/rtb-host-dialect, plugins/chips-pricing): a JavaScript tag asks for an ad, the host
// asks its DSPs, which answer integer "chips" and JavaScript; the winner's script is the tag's answer.
//   node core/bin.mjs start --config examples/rtb-host.config.ts
//   curl -i 'http://localhost:8082/ad?site=news&mincpm=0.5'
// dsp-a bids 150 chips at units 0 (1.50 per thousand), dsp-b 1200 chips at units 2 (1.20): dsp-a wins and
// pays 1.21, i.e. 121 of its chips.
const script = (name: string) => `document.write(${JSON.stringify(`<div style="width:300px;height:250px;background:#a62;color:#fff">${name}</div>`)});`;

export default defineConfig({
  server: { port: 8082, publicUrl: 'http://localhost:8082' },
  currency: 'RUB',
  auction: { type: 'second-price', step: 0.01, tmaxMs: 300 },
  sites: { news: { banner: { w: 300, h: 250 }, floor: 0.1 } },
  bidders: {
    'dsp-a': { endpoint: 'http://127.0.0.1:9211/rtb', dialect: 'rtb-host', pricing: 'chips', units: 0 },
    'dsp-b': { endpoint: 'http://127.0.0.1:9212/rtb', dialect: 'rtb-host', pricing: 'chips', units: 2 },
  },
  log: { level: 'info' },
  sidecars: [
    () => startMockBidder({ port: 9211, record: false, dialect: 'rtb-host', price: 150, delayMs: 10, markup: script('dsp-a') }),
    () => startMockBidder({ port: 9212, record: false, dialect: 'rtb-host', price: 1_200, units: 2, delayMs: 20, markup: script('dsp-b') }),
  ],
});
