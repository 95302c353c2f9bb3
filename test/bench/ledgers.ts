// `npx tsx test/bench/ledgers.ts [--auctions N] [--rate N] [--rounds N]`: what the notices ledger costs the process
// that runs auctions, for each place the ledger can be, in one run (rounds alternate, so the machine's drift hits
// every case alike):
// - `local`: the ledger in the auction process (`--workers 1`): journal, queue and delivery there;
// - `worker`: a cluster worker handing its notices and claims to the primary over IPC (`--workers N`); the
//   primary's own CPU per notice (journal, delivery) is printed beside it;
// - `redis`: the Redis ledger in the auction process (a real redis-server on a free loopback port, `appendfsync
//   everysec`): claims by Lua, notices through the stream and back to this process's delivery consumer.
// Each auction brings 4 notices (a nurl, 3 lurls: the benchmark's auctions); each round runs every case twice, without
// and with one impression hit per auction carrying a `burl` (a claim, then a fifth notice), so that the cost of a
// claim is the difference. The figures are CPU µs per auction (`process.cpuUsage()`, all threads), minus
// the pacing loop's own. Prints figures and ratios, asserts nothing; about 30 s. No redis-server: `redis` is skipped.
import 'reflect-metadata';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ProcessQpsShare } from '../../core/auction/qps-share.js';
import { parseConfig } from '../../core/config/load.js';
import type { AuctionNoticeEvent, TrackerNoticeEvent } from '../../core/hooks/stages.js';
import { ExchangeMetrics } from '../../core/metrics.js';
import { NoticeMetrics, noticeMetricsOf, type NoticeMetricResult, type NoticeMetricType } from '../../plugins/notices/notice-metrics.js';
import { primaryChannel, SINGLE_PROCESS, workerChannel } from '../../core/plugin/cluster-channel.js';
import { DecimalCpmPricing, type Pricing } from '../../core/pricing.js';
import { NoticesPlugin } from '../../plugins/notices/index.js';
import { auctionNoticeEvent, startReceivers } from './notice-fixtures.js';

const { values: args } = parseArgs({
  options: {
    auctions: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '500' },
  },
});
const auctions = Number(args.auctions);
const rate = Number(args.rate);
/** Notices per auction: a nurl and 3 lurls, and the burl of an impression when there is one. */
const noticesPerAuction = (impressions: boolean) => (impressions ? 5 : 4);
type Mode = 'local' | 'worker' | 'redis';
type Message =
  | { type: 'bench:ready' }
  | { type: 'bench:run'; impressions: boolean }
  | { type: 'bench:done'; cpuUs: number; wallMs: number; idleUsPerMs: number };

const silent = pino({ level: 'silent' });

/** Counts delivered notices, to know when a phase is over. */
class CountingNotices extends NoticeMetrics {
  sent = 0;
  override recordNotice(type: NoticeMetricType, result: NoticeMetricResult): void {
    super.recordNotice(type, result);
    if (result === 'sent') this.sent++;
  }
}

/** Exchange metrics whose notice metrics count deliveries (made before the plugin asks for them). */
function countingMetrics(bidders: Iterable<string> = []): { metrics: ExchangeMetrics; counts: CountingNotices } {
  const metrics = new ExchangeMetrics(bidders);
  return { metrics, counts: noticeMetricsOf(metrics, (m) => new CountingNotices(m)) as CountingNotices };
}

/** One auction's notice event (the benchmark's: see notice-fixtures.ts) and the winner's impression hit, with a `burl`. */
function auctionEvents(id: string, ports: number[]): [AuctionNoticeEvent, TrackerNoticeEvent] {
  const startedAt = Date.now();
  const impression: TrackerNoticeEvent = {
    type: 'impression', at: startedAt + 200, client: { ip: '203.0.113.7', userAgent: 'bench/1' },
    claim: {
      kind: 'impression', auctionId: id, auctionStartedAt: startedAt, bidder: 'dsp-1', bidId: 'b0', impId: '1', clearingMicros: 1_760_000,
      expiresAt: startedAt + 3_600_000, burl: `http://127.0.0.1:${ports[0]}/bill?auction=${id}&price=1.76&ts=\${AUCTION_IMP_TS}`,
    },
  };
  return [auctionNoticeEvent(id, ports, startedAt), impression];
}

/** Feeds `count` auctions at `rate`/s from a 1 ms pacing loop until `done()`; the process's CPU µs and wall ms. */
async function phase(count: number, feed: (n: number) => void, done: () => boolean | Promise<boolean>): Promise<{ cpuUs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let fed = 0;
  await new Promise<void>((resolve) => {
    const tick = async () => {
      const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000));
      while (fed < due) feed(fed++);
      if (fed >= count && (await done())) resolve();
      else setTimeout(tick, 1);
    };
    void tick();
  });
  const used = process.cpuUsage(cpu);
  return { cpuUs: used.user + used.system, wallMs: performance.now() - started };
}

/** A plugin as the exchange resolves it, for `mode`, over `journalDir`. */
function noticesPlugin(mode: Mode | 'primary', journalDir: string, redisUrl: string | undefined, metrics: ExchangeMetrics) {
  const config = parseConfig({
    notices: { journalDir, allowPrivateNetworks: true },
    ...(mode === 'redis' ? { state: { backend: 'redis', redis: { url: redisUrl!, prefix: `bench-${process.pid}:` } } } : {}),
  });
  const pricing = new Map<string, Pricing>([1, 2, 3, 4].map((i) => [`dsp-${i}`, new DecimalCpmPricing()]));
  const channel = mode === 'worker' ? workerChannel() : SINGLE_PROCESS;
  return new NoticesPlugin({ name: 'notices', optionsAt: 'notices', options: config.notices as Record<string, unknown>, log: silent, config }, pricing, metrics, channel, new ProcessQpsShare());
}

/** A cluster worker: one mode's auction process. Runs a phase whenever the primary says, and reports its CPU. */
async function runWorker(mode: Mode): Promise<void> {
  const ports = JSON.parse(process.env.BENCH_PORTS!) as number[];
  const journalDir = process.env.BENCH_JOURNAL!;
  const { metrics, counts } = countingMetrics();
  const plugin = noticesPlugin(mode, journalDir, process.env.BENCH_REDIS, metrics);
  await plugin.start();
  const ctx = { auctionId: '', log: silent };
  let expected = 0;
  let seq = 0;
  const feeding = (impressions: boolean) => () => {
    const [auction, impression] = auctionEvents(`${mode}-${process.pid}-${seq++}`, ports);
    expected += noticesPerAuction(impressions);
    void plugin.notices(ctx, auction);
    if (impressions) void plugin.notices(ctx, impression);
  };
  // In a worker, done once handed over: the primary counts deliveries. Elsewhere, once delivered here.
  const done = () => mode === 'worker' || counts.sent >= expected;
  await phase(Math.min(1_000, auctions), feeding(true), done);
  const idle = await phase(auctions, () => undefined, () => true);
  process.on('message', async (message: Message) => {
    if (message.type !== 'bench:run') return;
    const measured = await phase(auctions, feeding(message.impressions), done);
    process.send!({ type: 'bench:done', ...measured, idleUsPerMs: idle.cpuUs / idle.wallMs } satisfies Message);
  });
  process.send!({ type: 'bench:ready' } satisfies Message);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server on a free port (`appendonly yes`, `appendfsync everysec`), or undefined when none is installed. */
async function startRedis(dir: string): Promise<{ url: string; child: ChildProcess } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

async function runPrimary(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rtb-bench-ledgers-'));
  const receivers = await startReceivers();
  const redis = await startRedis(dir);
  const modes: Mode[] = redis ? ['local', 'worker', 'redis'] : ['local', 'worker'];
  // The `worker` mode's primary: the ledger, as `rtb start --workers N` runs it.
  const { metrics: primaryMetrics, counts: primaryCounts } = countingMetrics();
  const primary = noticesPlugin('primary', path.join(dir, 'primary'), undefined, primaryMetrics);
  const slots = new Map<Worker, number>();
  await primary.startPrimary(primaryChannel((worker) => slots.get(worker) ?? -1));
  const workers = new Map<Mode, Worker>();
  for (const mode of modes) {
    const worker = cluster.fork({ BENCH_MODE: mode, BENCH_PORTS: JSON.stringify(receivers.ports), BENCH_JOURNAL: path.join(dir, mode), ...(redis ? { BENCH_REDIS: redis.url } : {}) });
    slots.set(worker, slots.size);
    await new Promise<void>((resolve) => worker.on('message', (message: Message) => message.type === 'bench:ready' && resolve()));
    workers.set(mode, worker);
  }
  const run = (mode: Mode, impressions: boolean) => new Promise<{ cpuUs: number; wallMs: number; idleUsPerMs: number }>((resolve) => {
    const worker = workers.get(mode)!;
    const onMessage = (message: Message) => {
      if (message.type !== 'bench:done') return;
      worker.off('message', onMessage);
      resolve(message);
    };
    worker.on('message', onMessage);
    worker.send({ type: 'bench:run', impressions } satisfies Message);
  });
  console.log(`${auctions} auctions at ${rate}/s per phase, each with 4 notices (nurl, 3 lurl), then also an impression claim and its burl; ${args.rounds} rounds, cases alternating${redis ? '' : ' (no redis-server: redis skipped)'}`);
  /** CPU µs per auction of each case's auction process, without and with the claim, round by round. */
  const plain = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  const claiming = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  const primaryPerNotice: number[] = [];
  for (let round = 0; round < Number(args.rounds); round++) {
    const line: string[] = [];
    for (const mode of modes) {
      for (const impressions of [false, true]) {
        const notices = auctions * noticesPerAuction(impressions);
        const sentBefore = primaryCounts.sent;
        const primaryCpu = process.cpuUsage();
        const measured = await run(mode, impressions);
        if (mode === 'worker') {
          // The primary's part ends once it has delivered the phase's notices.
          while (primaryCounts.sent - sentBefore < notices) await new Promise((resolve) => setTimeout(resolve, 5));
          const used = process.cpuUsage(primaryCpu);
          if (!impressions) primaryPerNotice.push((used.user + used.system) / notices);
        }
        (impressions ? claiming : plain).get(mode)!.push((measured.cpuUs - measured.idleUsPerMs * measured.wallMs) / auctions);
      }
      line.push(`${mode} ${plain.get(mode)!.at(-1)!.toFixed(0)} µs (+${(claiming.get(mode)!.at(-1)! - plain.get(mode)!.at(-1)!).toFixed(0)} per claim)`);
    }
    console.log(`  round ${round + 1}: CPU per auction of the auction process: ${line.join(', ')}; primary ${primaryPerNotice.at(-1)!.toFixed(1)} µs per notice`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const perClaim = (mode: Mode) => claiming.get(mode)!.map((value, i) => value - plain.get(mode)![i]!);
  const ratioOf = (of: (mode: Mode) => number[], a: Mode, b: Mode) => median(of(a).map((value, i) => value / of(b)[i]!));
  const perAuction = (mode: Mode) => plain.get(mode)!;
  console.log(modes.map((mode) => `${mode}: median ${median(perAuction(mode)).toFixed(0)} µs per auction, ${median(perClaim(mode)).toFixed(0)} µs per claim`).join('; '));
  console.log(`worker/local: ${ratioOf(perAuction, 'worker', 'local').toFixed(2)}× per auction, ${ratioOf(perClaim, 'worker', 'local').toFixed(2)}× per claim (the hand-off instead of journal and delivery); the primary: median ${median(primaryPerNotice).toFixed(1)} µs CPU per notice delivered`);
  if (redis) console.log(`redis/local: ${ratioOf(perAuction, 'redis', 'local').toFixed(2)}× per auction (notices through the stream, delivery in the same process), ${ratioOf(perClaim, 'redis', 'local').toFixed(2)}× per claim (one Lua call against a journal line fdatasynced)`);
  for (const worker of workers.values()) worker.kill();
  await primary.stopPrimary();
  receivers.stop();
  redis?.child.kill();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

if (cluster.isPrimary) await runPrimary();
else await runWorker(process.env.BENCH_MODE as Mode);
