import { defineConfig } from 'rtb-exchange';
import { startMockBidder } from 'rtb-exchange/testing';
import { flatbidAnswer } from './src/flatbid-answer.js';
import { FlatBidDialect, MinCpm } from './src/index.js';

// An exchange with the package's dialect and plugin: one `flatbid` bidder (a mock, started beside the exchange
// on FLATBID_PORT) bidding 1.25 on every slot, and the `min-cpm` plugin refusing bids under 0.5.
const bidderPort = Number(process.env.FLATBID_PORT ?? 9301);

export default defineConfig({
  server: { port: 8080, host: '127.0.0.1' },
  sites: { home: { banner: { w: 300, h: 250 }, floor: 0.1 } },
  bidders: { flat: { endpoint: `http://127.0.0.1:${bidderPort}/bid`, dialect: 'flatbid' } },
  plugins: [{ name: 'min-cpm', options: { minCpm: 0.5 } }],
  extensions: { dialects: { flatbid: FlatBidDialect }, plugins: { 'min-cpm': MinCpm } },
  sidecars: [() => startMockBidder({ port: bidderPort, record: false, respond: flatbidAnswer(1.25) })],
});
