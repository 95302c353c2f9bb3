import { writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { startMockBidder } from '../core/testing/index.js';
import { http, httpOnFreshConnection, jsonLinesOf, spawnCluster, spawnRtb } from './helpers.js';
import { startRedis, withRedis } from './redis-server.js';
import { scratchDir } from './scratch-dir.js';
import { until } from './until.js';

/**
 * A bidder's notice endpoint that answers `/win?auction=ID` at once, except for the auctions in `held`: those it
 * keeps waiting (never answered) until `release()`, after which it answers at once. It records every request it
 * received and whether it answered it; `held()` counts the requests it keeps waiting whose connection is open.
 */
async function noticeEndpoint(held: ReadonlySet<string>) {
  const received: Array<{ auction: string; answered: boolean }> = [];
  const waiting: Array<{ response: ServerResponse; entry: { answered: boolean } }> = [];
  let released = false;
  const server = createServer((request, response) => {
    const auction = new URL(request.url!, 'http://x').searchParams.get('auction')!;
    const entry = { auction, answered: false };
    received.push(entry);
    const answer = () => {
      if (response.destroyed) return;
      response.end();
      entry.answered = true;
    };
    if (held.has(auction) && !released) {
      // A sender killed meanwhile half-closes its connection (the server would still write the answer into it).
      const wait = { response, entry };
      waiting.push(wait);
      const gone = () => {
        const at = waiting.indexOf(wait);
        if (at >= 0) waiting.splice(at, 1);
      };
      request.socket.once('end', gone);
      request.socket.once('close', gone);
    } else {
      answer();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    held: () => waiting.length,
    release: () => {
      released = true;
      for (const { response, entry } of waiting.splice(0)) {
        if (response.destroyed) continue;
        response.end();
        entry.answered = true;
      }
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

withRedis('kill -9 of a node that owes notices: another node takes them over and delivers every one; only those in flight at the kill reach the bidder twice', async () => {
  const redis = await startRedis();
  const dir = scratchDir('rtb-fleet-');
  const held = new Set(Array.from({ length: 10 }, (_, i) => `auction-${i + 10}`));
  const notices = await noticeEndpoint(held);
  const bidder = await startMockBidder({ price: 1, nurl: `${notices.url}/win?auction=\${AUCTION_ID}` });
  const configOf = (name: string) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({
      server: { port: 0 },
      bidders: { a: { endpoint: `${bidder.url}/bid` } },
      trackers: { secret: 'fleet-test-tracker-secret-000' },
      state: { backend: 'redis', redis: { url: redis.url, reclaimAfterMs: 1_000 } },
      // One GET per connection: a held notice must not hold up the ones behind it (Node's server reads pipelined
      // requests one after the other), so the bidder sees all 20.
      notices: { journalDir: path.join(dir, `${name}-journal`), allowPrivateNetworks: true, timeoutMs: 60_000, pipelining: 1 },
    }));
    return file;
  };
  const inspect = new Redis(redis.url);
  try {
    const a = spawnRtb(['start', '--config', configOf('a'), '--workers', '1']);
    const aLines = jsonLinesOf(a.child);
    await until(() => aLines.some((line) => line.msg === 'exchange listening'), 'node a listening');
    const aUrl = aLines.find((line) => line.msg === 'exchange listening')!.url as string;
    for (let i = 0; i < 20; i++) {
      const answer = await http(`${aUrl}/openrtb2/auction`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `auction-${i}`, imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } }),
      });
      expect(answer.status).toBe(200);
    }
    // Node a delivered (and acknowledged) the first ten; the other ten are in flight, held by the bidder.
    await until(() => notices.received.length === 20, 'every win notice sent by node a');
    await until(async () => (await inspect.xpending('rtb:notices', 'delivery'))[0] === 10, 'node a holding the ten unanswered');
    a.child.kill('SIGKILL');
    await a.exited;
    // The killed node's connections are gone before the bidder answers anything again.
    await until(() => notices.held() === 0, 'the killed node\'s requests closed');
    notices.release();

    const b = spawnRtb(['start', '--config', configOf('b'), '--workers', '2']);
    const bLines = jsonLinesOf(b.child);
    await until(() => bLines.filter((line) => line.msg === 'exchange listening').length === 2, 'node b (two workers) listening');
    await until(() => new Set(notices.received.filter((entry) => entry.answered).map((entry) => entry.auction)).size === 20, 'every win notice answered');
    await until(async () => (await inspect.xlen('rtb:notices')) === 0, 'the stream trimmed of what was delivered');
    const bUrl = bLines.find((line) => line.msg === 'exchange listening')!.url as string;
    expect((await http(`${bUrl}/metrics`)).text).toMatch(/^rtb_state_reclaimed_total 10$/m);

    const byAuction = new Map<string, { received: number; answered: number }>();
    for (const { auction, answered } of notices.received) {
      const counts = byAuction.get(auction) ?? { received: 0, answered: 0 };
      counts.received++;
      if (answered) counts.answered++;
      byAuction.set(auction, counts);
    }
    expect(byAuction.size).toBe(20);
    for (const [auction, counts] of byAuction) {
      // Each delivered once; received a second time only if it was in flight (sent, not answered) at the kill.
      expect(counts, auction).toEqual({ received: held.has(auction) ? 2 : 1, answered: 1 });
    }
    const twice = [...byAuction.values()].filter((counts) => counts.received === 2).length;
    process.stdout.write(`at-least-once window: ${twice} of 20 notices reached the bidder twice (in flight at the kill: 10)\n`);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  } finally {
    inspect.disconnect();
    await bidder.close();
    await notices.close();
  }
});

/** The counter `series` summed over Prometheus expositions. */
function total(texts: readonly string[], series: string): number {
  return texts.reduce((sum, text) => sum + Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN), 0);
}

withRedis('two nodes (two workers each) on one Redis: duplicate hits of each impression split across both nodes at the same moment bill exactly once', async () => {
  const redis = await startRedis();
  const dir = scratchDir('rtb-fleet-dedupe-');
  const bidder = await startMockBidder({ price: 2 });
  bidder.set({ burl: `${bidder.url}/bill?auction=\${AUCTION_ID}`, nurl: `${bidder.url}/win?auction=\${AUCTION_ID}` });
  const nodes = ['a', 'b'].map((name) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({
      server: { port: 0 },
      bidders: { a: { endpoint: `${bidder.url}/bid` } },
      trackers: { secret: 'fleet-test-tracker-secret-001' },
      state: { backend: 'redis', redis: { url: redis.url } },
      notices: { journalDir: path.join(dir, `${name}-journal`) },
    }));
    const { child, exited } = spawnRtb(['start', '--config', file, '--workers', '2']);
    return { child, exited, lines: jsonLinesOf(child) };
  });
  try {
    for (const node of nodes) await until(() => node.lines.filter((line) => line.msg === 'exchange listening').length === 2, 'a node\'s two workers listening');
    const urls = nodes.map((node) => node.lines.find((line) => line.msg === 'exchange listening')!.url as string);
    // The cache is the fleet's Redis: what one node stores, the other serves.
    const put = await httpOnFreshConnection(`${urls[0]}/cache`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ puts: [{ type: 'json', value: { fleet: true } }] }) });
    const uuid = put.json().responses[0].uuid as string;
    const reads = await Promise.all([0, 1, 2, 3].map(() => httpOnFreshConnection(`${urls[1]}/cache?uuid=${uuid}`)));
    expect(reads.map((read) => [read.status, read.text])).toEqual(Array(4).fill([200, '{"fleet":true}']));
    const trackers: string[] = [];
    for (let i = 0; i < 50; i++) {
      const answer = await http(`${urls[i % 2]}/openrtb2/auction`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `auction-${i}`, imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } }),
      });
      trackers.push(/<img src="([^"]+\/t\/imp\?t=[^"]+)"/.exec(answer.json().seatbid[0].bid[0].adm)![1]!.replace(/&amp;/g, '&'));
    }
    // Every impression hit 4 times on each node (on fresh connections: both workers of each), all at once.
    const statuses = await Promise.all(trackers.flatMap((tracker) => urls.flatMap((url) => [1, 2, 3, 4].map(() => httpOnFreshConnection(`${url}${new URL(tracker).pathname}${new URL(tracker).search}`).then((answer) => answer.status)))));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const byAuction = (pathname: string) => {
      const counts = new Map<string, number>();
      for (const notice of bidder.notices) {
        const url = new URL(notice.url, bidder.url);
        if (url.pathname === pathname) counts.set(url.searchParams.get('auction')!, (counts.get(url.searchParams.get('auction')!) ?? 0) + 1);
      }
      return counts;
    };
    await until(() => byAuction('/bill').size === 50 && byAuction('/win').size === 50, 'every bill and win delivered');
    const metrics = await Promise.all(urls.map(async (url) => (await http(`${url}/metrics`)).text));
    expect(total(metrics, 'rtb_state_claims_total{result="billed"}')).toBe(50);
    expect(total(metrics, 'rtb_state_claims_total{result="duplicate"}')).toBe(50 * 7);
    // Each node delivers what its consumers read: the stream hands each notice to one of them.
    for (const node of nodes) node.child.kill('SIGTERM');
    for (const node of nodes) expect(await node.exited).toBe(0);
    expect([...byAuction('/bill').values()].every((count) => count === 1)).toBe(true);
    expect([...byAuction('/win').values()].every((count) => count === 1)).toBe(true);
    const billing = nodes.flatMap((node) => node.lines.filter((line) => line.msg === 'billing'));
    expect(billing).toHaveLength(50);
    // The duplicates were refused on both nodes, by all four workers.
    const refusedBy = new Set(nodes.flatMap((node) => node.lines.filter((line) => line.msg === 'impression' && line.duplicate === true).map((line) => line.pid)));
    expect(refusedBy.size).toBe(4);
  } finally {
    await bidder.close();
  }
});

withRedis('--workers 2 on Redis: with Redis gone, every worker\'s /readyz says the node is degraded (the primary holds the ledger), and says so no more once it is back', async () => {
  const redis = await startRedis();
  const dir = scratchDir('rtb-fleet-degraded-');
  const bidder = await startMockBidder({ price: 1 });
  const file = path.join(dir, 'node.json');
  writeFileSync(file, JSON.stringify({
    server: { port: 0 },
    bidders: { a: { endpoint: `${bidder.url}/bid` } },
    trackers: { secret: 'fleet-test-tracker-secret-001' },
    state: { backend: 'redis', redis: { url: redis.url } },
    notices: { journalDir: path.join(dir, 'journal') },
  }));
  const { child, exited, listening } = spawnCluster(file, 2);
  try {
    const url = await listening();
    // Fresh connections: the cluster hands them to both workers.
    const probes = async () => (await Promise.all(Array.from({ length: 8 }, () => httpOnFreshConnection(`${url}/readyz`)))).map((answer) => answer.json());
    expect((await probes()).every((ready) => ready.status === 'ready' && ready.degraded === undefined)).toBe(true);
    await redis.kill('SIGKILL');
    await until(async () => (await probes()).every((ready) => String(ready.degraded).startsWith('notices: Redis at')), 'every worker saying Redis is gone');
    expect((await probes()).every((ready) => ready.status === 'ready')).toBe(true);
    await redis.restart();
    await until(async () => (await probes()).every((ready) => ready.degraded === undefined), 'every worker saying Redis is back', 20_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    await bidder.close();
  }
});
