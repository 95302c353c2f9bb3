import { defineConfig } from '../core/index.js';
import { startMockBidder } from '../core/testing/index.js';

// A Kakao-style exchange (plugins/kakao-dialect): two partner DSPs speaking OpenRTB over HTTP POST with
// Kakao's headers, one on 2.6 without gzip, one on 2.5 with gzip agreed. Run it and ask for an ad:
//   node core/bin.mjs start --config examples/kakao.config.ts
//   curl -i 'http://localhost:8081/ad?site=news&mincpm=0.5'
const creative = (name: string, color: string) =>
  `<div style="width:300px;height:250px;background:${color};color:#fff;font:20px sans-serif">${name}</div>`;

export default defineConfig({
  server: { port: 8081, publicUrl: 'http://localhost:8081' },
  currency: 'USD',
  auction: { type: 'second-price', step: 0.01, tmaxMs: 300 },
  sites: { news: { banner: { w: 300, h: 250 }, floor: 0.1 } },
  bidders: {
    'kakao-dsp-a': { endpoint: 'http://127.0.0.1:9201/bid', dialect: 'kakao', openrtbVersion: '2.6' },
    'kakao-dsp-b': { endpoint: 'http://127.0.0.1:9202/bid', dialect: 'kakao', openrtbVersion: '2.5', gzip: true },
  },
  log: { level: 'info' },
  sidecars: [
    () => startMockBidder({ port: 9201, price: 1.2, delayMs: 15, markup: creative('kakao-dsp-a', '#2a6') }),
    () => startMockBidder({ port: 9202, price: 0.9, delayMs: 25, markup: creative('kakao-dsp-b', '#26a'), gzip: true }),
  ],
});
