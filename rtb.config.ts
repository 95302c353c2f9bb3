import { defineConfig } from './core/index.js';
import { startMockBidder } from './examples/mock-bidder.js';

// The embedded demo exchange that `npm start` runs: the exchange on :8080 and two local demo bidders
// (mock DSPs from examples/) that it starts beside itself. Try:
//   curl -i 'http://localhost:8080/ad?site=demo&mincpm=0.5'
const creative = (name: string, color: string) =>
  `<a href="https://example.com/?from=${name}" target="_blank"><div style="width:300px;height:250px;background:${color};color:#fff;font:20px sans-serif;display:flex;align-items:center;justify-content:center">${name}</div></a>`;

export default defineConfig({
  server: { port: 8080, publicUrl: 'http://localhost:8080' },
  currency: 'USD',
  auction: { type: 'second-price', step: 0.01, tmaxMs: 300 },
  sites: {
    demo: { banner: { w: 300, h: 250 }, floor: 0.1 },
  },
  bidders: {
    'demo-dsp-a': { endpoint: 'http://127.0.0.1:9101/openrtb', dialect: 'openrtb', openrtbVersion: '2.6' },
    'demo-dsp-b': { endpoint: 'http://127.0.0.1:9102/openrtb', dialect: 'openrtb', openrtbVersion: '2.5', gzip: true },
  },
  plugins: [],
  log: { level: 'info' },
  sidecars: [
    () => startMockBidder({ port: 9101, price: 1.2, delayMs: 15, markup: creative('demo-dsp-a', '#2a6') }),
    () => startMockBidder({ port: 9102, price: 0.8, delayMs: 25, markup: creative('demo-dsp-b', '#26a'), gzip: true }),
  ],
});
