import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startMockBidder } from '../core/testing/index.js';
import { http, httpOnFreshConnection, spawnCluster } from './helpers.js';
import { until } from './until.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rtb-cluster-billing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IMPRESSIONS = 100;
const HITS_PER_IMPRESSION = 8;

it(`--workers 2: ${IMPRESSIONS} impressions, each tracker hit ${HITS_PER_IMPRESSION} times at once across both workers, are billed exactly once each`, async () => {
  const bidder = await startMockBidder({ price: 1.25 });
  bidder.set({ burl: `${bidder.url}/bill?auction=\${AUCTION_ID}&price=\${AUCTION_PRICE}` });
  const config = path.join(dir, 'billing.json');
  writeFileSync(config, JSON.stringify({
    server: { port: 0 },
    sites: { s: { banner: { w: 300, h: 250 } } },
    bidders: { a: { endpoint: `${bidder.url}/bid` } },
    trackers: { secret: 'cluster-billing-tracker-secret' },
    notices: { journalDir: path.join(dir, 'journal') },
  }));
  const { child, exited, lines, listening } = spawnCluster(config, 2);
  try {
    const url = await listening();

    const impressions: string[] = [];
    for (let i = 0; i < IMPRESSIONS; i++) {
      const answer = await http(`${url}/openrtb2/auction`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `auction-${i}`, imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } }),
      });
      expect(answer.status).toBe(200);
      const tracker = /<img src="([^"]+\/t\/imp\?t=[^"]+)"/.exec(answer.json().seatbid[0].bid[0].adm);
      expect(tracker, 'the impression tracker in the markup').not.toBeNull();
      impressions.push(tracker![1]!.replace(/&amp;/g, '&'));
    }
    // Ten impressions at a time, each with all its duplicate hits at once.
    for (let i = 0; i < IMPRESSIONS; i += 10) {
      const statuses = await Promise.all(impressions.slice(i, i + 10).flatMap((tracker) =>
        Array.from({ length: HITS_PER_IMPRESSION }, () => httpOnFreshConnection(tracker).then((answer) => answer.status))));
      expect(statuses.every((status) => status === 200)).toBe(true);
    }
    const hits = () => lines.filter((line) => line.msg === 'impression');
    await until(() => hits().length === IMPRESSIONS * HITS_PER_IMPRESSION, 'every hit logged');
    await until(() => bidder.notices.length >= IMPRESSIONS, 'the billing notices delivered');
    // Both workers took hits of the same impressions.
    expect(new Set(hits().map((line) => line.pid)).size).toBe(2);
    const byAuction = new Map<string, Set<unknown>>();
    for (const line of hits()) byAuction.set(line.auctionId as string, (byAuction.get(line.auctionId as string) ?? new Set()).add(line.pid));
    expect([...byAuction.values()].filter((pids) => pids.size === 2).length).toBeGreaterThan(IMPRESSIONS / 2);

    // Let any second billing arrive, were there one: the exchange stops only once it has delivered what it owes.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const billed = bidder.notices.map((notice) => new URL(notice.url, bidder.url).searchParams.get('auction'));
    expect(billed).toHaveLength(IMPRESSIONS);
    expect(new Set(billed).size).toBe(IMPRESSIONS);
    const billing = lines.filter((line) => line.msg === 'billing');
    expect(billing).toHaveLength(IMPRESSIONS);
    // Each at the price its billing line states.
    const priceOf = new Map(billing.map((line) => [line.auctionId, Number(line.priceMicros) / 1e6]));
    for (const notice of bidder.notices) {
      const query = new URL(notice.url, bidder.url).searchParams;
      expect(Number(query.get('price'))).toBe(priceOf.get(query.get('auction')));
    }
    expect(hits().filter((line) => line.duplicate === false)).toHaveLength(IMPRESSIONS);
  } finally {
    await bidder.close();
  }
});

it('--workers 2 without trackers.secret: the workers share one random key, so a tracker URL is honoured by either (one warning, from the primary)', async () => {
  const bidder = await startMockBidder({ price: 1 });
  const config = path.join(dir, 'no-secret.json');
  writeFileSync(config, JSON.stringify({
    server: { port: 0 },
    bidders: { a: { endpoint: `${bidder.url}/bid` } },
    notices: { journalDir: path.join(dir, 'no-secret-journal') },
  }));
  const { RTB_TRACKER_SECRET: _unset, ...env } = process.env;
  const { child, lines, listening } = spawnCluster(config, 2, env);
  try {
    const url = await listening();
    const answer = await http(`${url}/openrtb2/auction`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'x', imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } }),
    });
    const tracker = /<img src="([^"]+\/t\/imp\?t=[^"]+)"/.exec(answer.json().seatbid[0].bid[0].adm)![1]!.replace(/&amp;/g, '&');
    const statuses = await Promise.all(Array.from({ length: 6 }, () => httpOnFreshConnection(tracker).then((answer) => answer.status)));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    await until(() => lines.filter((line) => line.msg === 'impression').length === 6, 'every hit logged');
    expect(new Set(lines.filter((line) => line.msg === 'impression').map((line) => line.pid)).size).toBe(2);
    expect(lines.filter((line) => String(line.msg).includes('trackers.secret and RTB_TRACKER_SECRET are not set'))).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining("a random key shared by this machine's workers") }),
    ]);
  } finally {
    child.kill('SIGTERM');
    await bidder.close();
  }
});
