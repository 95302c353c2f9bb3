import { get } from 'node:http';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { builtinRegistry, type RtbConfigInput } from '../../core/index.js';
import { type MockBidder, startMockBidder, startTestExchange, type TestExchange } from '../../core/testing/index.js';
import { http } from '../../test/helpers.js';
import { freePort, startRedis, withRedis } from '../../test/redis-server.js';
import { until } from '../../test/until.js';

const SECRET = 'redis-ledger-test-tracker-secret';
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
});

/** An exchange node on the Redis at `url`, asking `bidder`; stopped after the test. */
async function node(url: string, bidder: MockBidder, extra: Partial<RtbConfigInput> = {}): Promise<TestExchange> {
  const exchange = await startTestExchange({
    bidders: { a: { endpoint: `${bidder.url}/bid` } },
    trackers: { secret: SECRET },
    state: { backend: 'redis', redis: { url, reclaimAfterMs: 1_000 } },
    notices: { retryBaseMs: 50, retryMaxMs: 200 },
    ...extra,
  }, builtinRegistry());
  stops.push(() => exchange.stop());
  return exchange;
}

/** Runs an auction on `exchange`: the impression tracker URL in the winning markup. */
async function auction(exchange: TestExchange, id: string): Promise<string> {
  const answer = await http(`${exchange.url}/openrtb2/auction`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } }),
  });
  expect(answer.status).toBe(200);
  return /<img src="([^"]+\/t\/imp\?t=[^"]+)"/.exec(answer.json().seatbid[0].bid[0].adm)![1]!.replace(/&amp;/g, '&');
}

/** One GET on a connection of its own. */
function hit(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    }).on('error', reject);
  });
}

/** The bidder's notices on `path`, by auction id (`?auction=`). */
function noticesByAuction(bidder: MockBidder, path: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const notice of bidder.notices) {
    const url = new URL(notice.url, bidder.url);
    if (url.pathname !== path) continue;
    const id = url.searchParams.get('auction')!;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

it('Redis unreachable at start: the exchange does not start, with one line naming the URL', async () => {
  const port = await freePort();
  const bidder = await startMockBidder({ price: 1 });
  stops.push(() => bidder.close());
  const failure = await node(`redis://user:hunter2@127.0.0.1:${port}`, bidder).then(() => undefined, (error: unknown) => error);
  expect(failure).toMatchObject({ code: 'RTB_ERR_STATE', problems: [expect.stringMatching(new RegExp(`^state\\.redis\\.url: cannot reach Redis at redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`))] });
  expect(String((failure as { problems: string[] }).problems)).not.toContain('hunter2');
});

withRedis('kill -9 of Redis in the middle of a run, restarted from its append-only file: no impression billed twice, no notice lost, the spill journal empties', async () => {
  const redis = await startRedis({ appendfsync: 'always' });
  const bidder = await startMockBidder({ price: 2 });
  stops.push(() => bidder.close());
  bidder.set({ burl: `${bidder.url}/bill?auction=\${AUCTION_ID}`, nurl: `${bidder.url}/win?auction=\${AUCTION_ID}` });
  const exchange = await node(redis.url, bidder);
  const before: string[] = [];
  for (let i = 0; i < 10; i++) before.push(await auction(exchange, `before-${i}`));
  for (const tracker of before.slice(0, 5)) expect(await hit(tracker)).toBe(200);
  await until(() => noticesByAuction(bidder, '/bill').size === 5, 'the first bills delivered');

  await redis.kill('SIGKILL');
  await until(async () => (await http(`${exchange.url}/readyz`)).json().degraded !== undefined, '/readyz saying Redis is gone');
  // Auctions go on; hits of impressions billed before (duplicates Redis knows), and of new ones, spill.
  const during: string[] = [];
  for (let i = 0; i < 10; i++) during.push(await auction(exchange, `during-${i}`));
  for (const tracker of [...before, ...during, ...during]) expect(await hit(tracker)).toBe(200);
  const ready = (await http(`${exchange.url}/readyz`)).json();
  expect(ready).toMatchObject({ status: 'ready', degraded: [expect.stringMatching(/^notices: Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable: \d+ notices and claims spilled/)] });
  const metrics = (await http(`${exchange.url}/metrics`)).text;
  expect(metrics).toContain('rtb_state_redis_up 0');
  expect(Number(/rtb_state_spill_depth (\d+)/.exec(metrics)![1])).toBeGreaterThan(0);

  await redis.restart();
  await until(async () => /rtb_state_spill_depth 0\b/.test((await http(`${exchange.url}/metrics`)).text), 'the spill settled', 20_000);
  await until(() => noticesByAuction(bidder, '/bill').size === 20 && noticesByAuction(bidder, '/win').size === 20, 'every bill and win delivered', 20_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const bills = noticesByAuction(bidder, '/bill');
  expect([...bills.values()].every((count) => count === 1), JSON.stringify([...bills])).toBe(true);
  const wins = noticesByAuction(bidder, '/win');
  expect([...wins.values()].every((count) => count === 1), JSON.stringify([...wins])).toBe(true);
  expect((await http(`${exchange.url}/readyz`)).json()).toEqual({ status: 'ready' });
  expect(exchange.logs.withMessage('notices: an impression claimed here while Redis was gone had been claimed elsewhere: its burl is not sent')).toHaveLength(5);
});

withRedis('maxQps across two nodes on one Redis: the fleet together sends the bidder its cap (within a few percent), not twice it', async () => {
  const redis = await startRedis();
  const bidder = await startMockBidder({ price: 1 });
  stops.push(() => bidder.close());
  const capped = { bidders: { a: { endpoint: `${bidder.url}/bid`, maxQps: 40 } } };
  const nodes = [await node(redis.url, bidder, capped), await node(redis.url, bidder, capped)];
  await until(async () => {
    const texts = await Promise.all(nodes.map(async ({ url }) => (await http(`${url}/metrics`)).text));
    return texts.every((text) => /^rtb_state_fleet_processes 2$/m.test(text));
  }, 'each node counting both');
  // 60 auctions a second on each node for 5 s: 600 offered, 200 within the fleet's cap of 40/s.
  const seconds = 5;
  const before = bidder.requests.length;
  const sent: Array<Promise<unknown>> = [];
  const started = performance.now();
  for (let i = 0; i < 60 * seconds; i++) {
    for (const exchange of nodes) {
      sent.push(http(`${exchange.url}/openrtb2/auction`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `q-${i}`, imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } }),
      }));
    }
    const next = started + ((i + 1) * 1000) / 60;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(sent);
  const elapsed = (performance.now() - started) / 1000;
  const asked = bidder.requests.length - before;
  // The cap over the time the load took, plus each node's bucket (a tenth of a second of its share) at the start.
  const expected = 40 * elapsed + 2 * 2;
  process.stdout.write(`maxQps across 2 nodes: ${asked} bid requests in ${elapsed.toFixed(2)} s against a fleet cap of 40/s (${expected.toFixed(0)} expected)\n`);
  expect(asked).toBeGreaterThan(expected * 0.9);
  expect(asked).toBeLessThan(expected * 1.1);
});

withRedis('a notice to an address the exchange may not reach is given up at once on the Redis ledger too (the SSRF guard), and acknowledged', async () => {
  const redis = await startRedis();
  const bidder = await startMockBidder({ price: 1, nurl: 'http://10.255.255.1/win?auction=${AUCTION_ID}' });
  stops.push(() => bidder.close());
  const exchange = await node(redis.url, bidder);
  await auction(exchange, 'private-nurl');
  await until(() => exchange.logs.withMessage('notice given up').length === 1, 'the notice given up');
  expect(exchange.logs.withMessage('notice given up')[0]).toMatchObject({ kind: 'nurl', auctionId: 'private-nurl', reason: expect.stringContaining('private') });
  expect(exchange.logs.withMessage('notice attempt failed')).toEqual([]);
  const inspect = new Redis(redis.url);
  try {
    await until(async () => (await inspect.xlen('rtb:notices')) === 0, 'its entry acknowledged and deleted');
  } finally {
    inspect.disconnect();
  }
});
