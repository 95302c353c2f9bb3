import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type MockBidderOptions, startMockBidder } from '../core/testing/index.js';

// Run on its own (benchmarks start bidders in separate processes):
//   tsx examples/mock-bidder.ts --port 9101 --price 1.5 --delay 20 [--dialect openrtb|rtb-host|adx]
//     [--nurl URL] [--lurl URL] [--burl URL]   notice URLs put in every bid (SELF in them: this bidder's own URL)
//     [--video-markup FILE]                     the VAST that bids on video imps carry
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' }, price: { type: 'string' }, delay: { type: 'string' }, dialect: { type: 'string' },
      nurl: { type: 'string' }, lurl: { type: 'string' }, burl: { type: 'string' }, 'video-markup': { type: 'string' },
    },
  });
  const dialect = (values.dialect ?? 'openrtb') as NonNullable<MockBidderOptions['dialect']>;
  if (!['openrtb', 'rtb-host', 'adx'].includes(dialect)) throw new Error(`--dialect: openrtb, rtb-host or adx, not ${dialect}`);
  const bidder = await startMockBidder({ port: Number(values.port ?? 0), price: Number(values.price ?? 1), delayMs: Number(values.delay ?? 0), dialect, record: false });
  const self = (url: string | undefined) => url?.replaceAll('SELF', bidder.url);
  bidder.set({ nurl: self(values.nurl), lurl: self(values.lurl), burl: self(values.burl) });
  if (values['video-markup']) bidder.set({ videoMarkup: readFileSync(values['video-markup'], 'utf8') });
  process.stdout.write(`mock bidder listening on ${bidder.url}\n`);
  process.once('SIGTERM', () => void bidder.close().then(() => process.exit(0)));
}
