// Where notices may go (SSRF guard): a notice URL comes from a bid. Real exchange, real mock bidders, a real
// receiving server on 127.0.0.1; the "foreign" destinations are that server reached by another name or address
// than the bidder's own endpoint host.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry, type RtbConfigInput } from '../../core/index.js';
import { type MockBidder, startMockBidder, startTestExchange, type TestExchange } from '../../core/testing/index.js';
import { postAuction } from '../../test/helpers.js';
import { until } from '../../test/until.js';

let exchange: TestExchange | undefined;
let receiver: Server | undefined;
const mocks: MockBidder[] = [];
afterEach(async () => {
  await exchange?.stop();
  exchange = undefined;
  await Promise.all(mocks.splice(0).map((mock) => mock.close()));
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  receiver = undefined;
});

/**
 * `near` (endpoint `localhost`) bids 2 with its win notice to the receiver as `127.0.0.1`; `far` (endpoint
 * `127.0.0.1`) bids 1 with its loss notice to the receiver as `localhost`. Neither is its own endpoint host.
 */
async function start(notices: RtbConfigInput['notices']) {
  const hits: string[] = [];
  receiver = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  const near = await startMockBidder({ price: 2 });
  const far = await startMockBidder({ price: 1 });
  mocks.push(near, far);
  near.set({ nurl: `http://127.0.0.1:${port}/win?auction=\${AUCTION_ID}` });
  far.set({ lurl: `http://localhost:${port}/loss?auction=\${AUCTION_ID}` });
  exchange = await startTestExchange({
    sites: { s: { banner: { w: 300, h: 250 }, floor: 0 } },
    bidders: {
      near: { endpoint: `http://localhost:${new URL(near.url).port}/bid` },
      far: { endpoint: `${far.url}/bid` },
    },
    notices,
    // Generous: `localhost` may be tried over ::1 first (where the mock does not listen) before 127.0.0.1.
    auction: { tmaxMs: 2_000 },
  }, builtinRegistry());
  const answer = await postAuction(exchange, { id: 'a1', imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's' } });
  expect(answer.status).toBe(200);
  return { hits, exchange };
}

describe('notice destinations (SSRF guard)', () => {
  it('refuses a private address other than the bidder\'s own host: an address at once, a name when it resolves (given up then, not retried)', async () => {
    const { hits, exchange: running } = await start({ retryBaseMs: 20, retryMaxMs: 40 });
    await until(() => running.logs.withMessage('notice given up').length >= 2, 'both notices given up');
    // A name that resolves to private addresses only will do so on every attempt: one attempt, then given up.
    expect(running.logs.withMessage('notice given up').find((line) => line.kind === 'lurl')).toMatchObject({ attempts: 1 });
    expect(running.logs.withMessage('notice attempt failed').filter((line) => line.kind === 'lurl')).toEqual([expect.objectContaining({ retryInMs: null })]);
    const reasons = Object.fromEntries(running.logs.withMessage('notice given up').map((line) => [line.kind, String(line.reason)]));
    expect(reasons.nurl).toMatch(/private network address 127\.0\.0\.1/);
    expect(reasons.lurl).toMatch(/ENOTPUBLIC.*localhost resolves to a private network address only/);
    expect(hits).toEqual([]);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/rtb_notices_total\{type="nurl",result="failed"\} 1/);
    expect(metrics).toMatch(/rtb_notices_total\{type="lurl",result="failed"\} 1/);
  });

  it('delivers both with notices.allowPrivateNetworks', async () => {
    const { hits, exchange: running } = await start({ allowPrivateNetworks: true });
    await until(() => hits.length >= 2, 'both notices delivered');
    expect(hits.map((hit) => hit.split('?')[0]).sort()).toEqual(['/loss', '/win']);
    expect(running.logs.withMessage('notice given up')).toEqual([]);
  });
});
