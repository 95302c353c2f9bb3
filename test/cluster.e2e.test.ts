import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseConfig } from '../core/config/load.js';
import { configForWorker } from '../core/cluster.js';
import { startMockBidder } from '../core/testing/index.js';
import { http, httpOnFreshConnection, jsonLinesOf, spawnRtb } from './helpers.js';
import { until } from './until.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rtb-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A counter's value in a Prometheus text exposition. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

it('--workers 2: workers share the port, metrics add up across them (the primary\'s notices too), a killed worker is replaced and the notices it handed over are still delivered', async () => {
  // Every notice is refused until the test says otherwise: the win notice is still owed when its worker dies.
  const bidder = await startMockBidder({ price: 1, noticeStatuses: Array(10_000).fill(503) });
  bidder.set({ nurl: `${bidder.url}/win?auction=\${AUCTION_ID}` });
  const config = path.join(dir, 'cluster.json');
  writeFileSync(config, JSON.stringify({
    server: { port: 0 },
    sites: { s: { banner: { w: 300, h: 250 } } },
    bidders: { a: { endpoint: `${bidder.url}/bid` } },
    trackers: { secret: 'cluster-test-tracker-secret-0' },
    notices: { journalDir: path.join(dir, 'journal'), retryBaseMs: 50, retryMaxMs: 100, maxAttempts: 10_000, drainTimeoutMs: 1_000 },
  }));
  const { child: primary, exited } = spawnRtb(['start', '--config', config, '--workers', '2']);
  const lines = jsonLinesOf(primary);
  const listening = () => lines.filter((line) => line.msg === 'exchange listening');
  try {
    await until(() => listening().length === 2, 'two workers listening');
    const [url] = new Set(listening().map((line) => line.url as string));
    expect(new Set(listening().map((line) => line.url)).size).toBe(1);
    expect(new Set(listening().map((line) => line.pid)).size).toBe(2);

    for (let i = 0; i < 6; i++) expect((await http(`${url}/ad?site=s`)).status).toBe(200);
    // The cache is the primary's: a value stored through one worker is found through every other.
    const stored = await Promise.all(Array.from({ length: 6 }, (_, i) => httpOnFreshConnection(`${url}/cache`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ puts: [{ type: 'xml', value: `<VAST version="4.0" id="${i}"/>` }] }),
    })));
    const uuids = stored.map((answer) => answer.json().responses[0].uuid as string);
    for (const [i, uuid] of uuids.entries()) {
      const reads = await Promise.all([0, 1, 2, 3].map(() => httpOnFreshConnection(`${url}/cache?uuid=${uuid}`)));
      expect(reads.map((read) => [read.status, read.text])).toEqual(Array(4).fill([200, `<VAST version="4.0" id="${i}"/>`]));
    }
    const served = new Set(lines.filter((line) => line.msg === 'auction').map((line) => line.pid));
    await until(() => new Set(bidder.notices.map((notice) => notice.url)).size === 6, 'every win notice attempted');
    const metrics = (await http(`${url}/metrics`)).text;
    expect(sample(metrics, 'rtb_auctions_total{outcome="filled"}')).toBe(6);
    expect(sample(metrics, 'rtb_bids_total{bidder="a",status="win",code=""}')).toBe(6);
    // Owed by the primary, which delivers for the whole machine: its metrics are in every scrape.
    expect(sample(metrics, 'rtb_notices_pending{type="nurl"}')).toBe(6);
    expect(sample(metrics, 'rtb_notices_total{type="nurl",result="retried"}')).toBeGreaterThanOrEqual(6);
    expect(served.size).toBeGreaterThanOrEqual(1);

    // Kill the worker that ran the first auction, while its win notice is still refused.
    const refusedId = new URL(bidder.notices[0]!.url, bidder.url).searchParams.get('auction');
    await until(() => lines.some((line) => line.msg === 'auction' && line.auctionId === refusedId), 'the refused auction logged');
    const firstAuction = lines.find((line) => line.msg === 'auction' && line.auctionId === refusedId)!;
    process.kill(firstAuction.pid as number, 'SIGKILL');
    await until(() => lines.some((line) => line.msg === 'worker died; starting a replacement'), 'the primary noticing');
    expect(bidder.notices.every((notice) => notice.status === 503)).toBe(true);
    bidder.set({ noticeStatuses: [] });
    await until(() => new Set(bidder.notices.filter((notice) => notice.status === 200).map((notice) => notice.url)).size === 6, 'every win notice delivered after the kill');
    const forFirst = bidder.notices.filter((notice) => notice.url.includes(String(refusedId)));
    expect(forFirst.at(-1)!.status).toBe(200);
    expect(forFirst.filter((notice) => notice.status === 200)).toHaveLength(1);
    await until(() => listening().length === 3, 'a replacement worker listening');
    expect((await http(`${url}/ad?site=s`)).status).toBe(200);

    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((line) => line.msg === 'cluster stopped')).toBe(true);
  } finally {
    await bidder.close();
  }
});

it('workers whose primary is killed with SIGKILL exit instead of lingering (its journal keeps what the machine owed)', async () => {
  const config = path.join(dir, 'orphans.json');
  writeFileSync(config, JSON.stringify({
    server: { port: 0 },
    trackers: { secret: 'cluster-test-tracker-secret-1' },
    notices: { journalDir: path.join(dir, 'orphans-journal') },
  }));
  const { child } = spawnRtb(['start', '--config', config, '--workers', '2']);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const workerPids = () => out.split('\n').filter((l) => l.includes('"exchange listening"')).map((l) => JSON.parse(l).pid as number);
  await until(() => workerPids().length === 2, 'two workers listening');
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  expect(workerPids().every(alive)).toBe(true);
  child.kill('SIGKILL');
  await until(() => !workerPids().some(alive), 'the orphaned workers gone');
});

it('each of N workers gets an N-th of every bidder\'s maxQps, no sidecar, and the one journal folder (the primary\'s)', () => {
  const config = parseConfig({ bidders: { capped: { endpoint: 'http://127.0.0.1:9/bid', maxQps: 300 }, free: { endpoint: 'http://127.0.0.1:8/bid' } }, notices: { journalDir: '/var/rtb' } });
  const worker = configForWorker(config, 3);
  expect(worker.bidders.capped.maxQps).toBe(100);
  expect(worker.bidders.free.maxQps).toBeUndefined();
  expect(worker.sidecars).toEqual([]);
  expect(worker.notices).toEqual({ journalDir: '/var/rtb' });
  expect(config.bidders.capped.maxQps).toBe(300);
});

/** Runs `rtb ARGS` to the end: its exit code, its standard output's JSON lines and its standard error. */
async function rtbToEnd(args: string[]): Promise<{ code: number | null; lines: Array<Record<string, unknown>>; stderr: string }> {
  const { child } = spawnRtb(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // 'close': the process has exited and its output has been read to the end.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, stderr };
}

it('a wrong plan stops `rtb start` before any worker is forked, whatever the worker count: the lines of `rtb check`, and the same as fatal JSON', async () => {
  const config = path.join(dir, 'bad-plan.json');
  writeFileSync(config, JSON.stringify({
    server: { port: 0 },
    plugins: ['no-such-plugin'],
    bidders: { h: { endpoint: 'http://127.0.0.1:9/bid', dialect: 'martian' } },
  }));
  const check = await rtbToEnd(['check', '--config', config]);
  for (const workers of ['auto', '2']) {
    const start = await rtbToEnd(['start', '--config', config, '--workers', workers]);
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(check.stderr);
    expect(start.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^RTB_ERR_UNKNOWN_NAME plugins\.0: unknown plugin "no-such-plugin"/),
      expect.stringMatching(/^RTB_ERR_UNKNOWN_NAME bidders\.h\.dialect: unknown dialect "martian"/),
    ]);
    // No worker started: no primary line, no worker line; a log shipper reads one fatal line per problem.
    expect(start.lines.map((line) => [line.level, line.code, line.key])).toEqual([[60, 'RTB_ERR_UNKNOWN_NAME', 'plugins.0'], [60, 'RTB_ERR_UNKNOWN_NAME', 'bidders.h.dialect']]);
  }
});

it('a journal folder the primary cannot use stops `rtb start` before any worker is forked: its reason, exit 1', async () => {
  const config = path.join(dir, 'no-journal.json');
  // A plan that resolves, and a journal folder that cannot be made (under a file).
  const notAFolder = path.join(dir, 'a-file');
  writeFileSync(notAFolder, '');
  writeFileSync(config, JSON.stringify({ server: { port: 0 }, trackers: { secret: 'cluster-test-tracker-secret-2' }, notices: { journalDir: path.join(notAFolder, 'journal') } }));
  const { code, lines, stderr } = await rtbToEnd(['start', '--config', config, '--workers', '2']);
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^RTB_ERR_NOTICES_JOURNAL notices\.journalDir: cannot use .*ENOTDIR/)]);
  expect(lines.filter((line) => line.msg === 'exchange listening' || line.msg === 'cluster primary started')).toEqual([]);
  expect(new Set(lines.map((line) => line.pid)).size).toBe(1);
  expect(lines.at(-1)).toMatchObject({ level: 60, code: 'RTB_ERR_NOTICES_JOURNAL', key: 'notices.journalDir' });
});

it('workers that keep dying before they listen stop the cluster with their reason and exit 1, instead of being replaced forever', async () => {
  // A plan that resolves, and a port another process holds: every worker fails to listen.
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  const config = path.join(dir, 'unstartable.json');
  writeFileSync(config, JSON.stringify({ server: { port, host: '127.0.0.1' }, trackers: { secret: 'cluster-test-tracker-secret-2' }, notices: { journalDir: path.join(dir, 'unstartable-journal') } }));
  try {
    const { code, lines, stderr } = await rtbToEnd(['start', '--config', config, '--workers', '2']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^RTB_ERR_LISTEN server\.port: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/)]);
    const died = lines.filter((line) => line.msg === 'worker died before it listened');
    expect(died).toHaveLength(3);
    expect(lines.filter((line) => line.msg === 'worker died; starting a replacement')).toHaveLength(0);
    // Each names its worker apart from the primary's own pid; every worker line carries its slot.
    for (const line of died) expect(line.worker).toEqual({ slot: expect.any(Number), pid: expect.any(Number) });
    const workerLines = lines.filter((line) => line.pid !== lines[0]!.pid);
    expect(workerLines.length).toBeGreaterThan(0);
    for (const line of workerLines) expect(line.slot, JSON.stringify(line)).toEqual(expect.any(Number));
    expect(lines.at(-1)).toMatchObject({ level: 60, code: 'RTB_ERR_LISTEN', key: 'server.port' });
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
