// `npx tsx test/bench/notices.ts [--auctions N] [--rate N] [--rounds N] [--profile]`: the CPU the `notices` plugin costs the
// exchange's main thread per notice. A child process runs 4 node:http receivers (4 origins, `204` to every
// GET); this process runs the real plugin (journal, queue, undici delivery, event log to /dev/null, metrics) and
// feeds it auctions at a steady rate, each with one `nurl` and three `lurl` to four different bidders, the way
// the benchmark's auctions do. It prints the process's CPU µs per notice (`process.cpuUsage()`: every thread of
// the process, so the journal's and the log's writes count; the main thread's share from /proc), minus what the
// pacing loop alone costs, per round and their median; then the floor: the same GETs sent straight through
// `attemptDelivery` (no journal, log, macros or queue). With `--profile`, one more round under node:inspector's
// CPU profiler, summed by file and by function, and written as a `.cpuprofile`. Prints figures, asserts nothing;
// about 20 s in all (the machine is shared: compare runs made one after the other, and look at the medians).
import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent } from 'undici';
import { parseConfig } from '../../core/config/load.js';
import { ExchangeMetrics } from '../../core/metrics.js';
import { NOTICES_SECTION } from '../../plugins/notices/settings.js';
import { NoticeMetrics, noticeMetricsOf, type NoticeMetricResult, type NoticeMetricType } from '../../plugins/notices/notice-metrics.js';
import { DecimalCpmPricing, type Pricing } from '../../core/pricing.js';
import { SINGLE_PROCESS } from '../../core/plugin/cluster-channel.js';
import { ProcessQpsShare } from '../../core/auction/qps-share.js';
import { AttemptDeadlines } from '../../plugins/notices/attempt-deadlines.js';
import { corkingConnector } from '../../plugins/notices/corking-connector.js';
import { attemptDelivery, routeThrough } from '../../plugins/notices/delivery.js';
import { NoticesPlugin, type Notice } from '../../plugins/notices/index.js';
import { auctionNoticeEvent, startReceivers } from './notice-fixtures.js';

const { values: args } = parseArgs({
  options: {
    auctions: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    profile: { type: 'boolean', default: false },
    'profile-out': { type: 'string', default: path.join(tmpdir(), 'notices.cpuprofile') },
  },
});
const auctions = Number(args.auctions);
/** Auctions per second fed to the plugin (the benchmark's exchange runs about 1000/s with notices on). */
const rate = Number(args.rate);
const NOTICES_PER_AUCTION = 4;

/** Counts delivered notices (the plugin reports each through `recordNotice`), to know when a phase is done. */
class CountingNotices extends NoticeMetrics {
  sent = 0;
  failed = 0;
  override recordNotice(type: NoticeMetricType, result: NoticeMetricResult): void {
    super.recordNotice(type, result);
    if (result === 'sent') this.sent++;
    else this.failed++;
  }
}

/** Exchange metrics whose notice metrics count deliveries (made before the plugin asks for them). */
function countingMetrics(bidders: Iterable<string> = []): { metrics: ExchangeMetrics; counts: CountingNotices } {
  const metrics = new ExchangeMetrics(bidders);
  return { metrics, counts: noticeMetricsOf(metrics, (m) => new CountingNotices(m)) as CountingNotices };
}

const silent = pino({ level: 'silent' });

/** CPU µs (user + system) of this process's main thread, from /proc (Linux; NaN elsewhere). */
function mainThreadCpuUs(): number {
  const stat = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(stat)) return Number.NaN;
  const fields = readFileSync(stat, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/**
 * Feeds `count` auctions at `rate` per second from a 1 ms pacing loop, then waits until `done()` holds. Returns
 * the process's CPU (µs, user + system) and the wall time (ms) of the whole phase.
 */
async function phase(count: number, feed: (n: number) => void, done: () => boolean): Promise<{ cpuUs: number; userUs: number; mainUs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const main = mainThreadCpuUs();
  const started = performance.now();
  let fed = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000));
      while (fed < due) feed(fed++);
      if (fed >= count && done()) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const used = process.cpuUsage(cpu);
  return { cpuUs: used.user + used.system, userUs: used.user, mainUs: mainThreadCpuUs() - main, wallMs: performance.now() - started };
}

/** The profile's self time summed by function (name, file:line) and by file, heaviest first. */
interface ProfileNode { id: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }

function summarize(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }) {
  // Busy time only: the idle samples (the event loop waiting) and the profiler's own calls are left out.
  const skipped = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  const underProfiler = (node: ProfileNode): void => {
    skipped.add(node.id);
    for (const child of node.children ?? []) underProfiler(profile.nodes.find((each) => each.id === child)!);
  };
  for (const node of profile.nodes) if (node.callFrame.url.startsWith('node:inspector')) underProfiler(node);
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (!skipped.has(id)) byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const self = byNode.get(node.id) ?? 0;
    if (!self) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '').replace(`${process.cwd()}/`, '') : '(native)';
    const fn = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + self);
    const group = file.startsWith('undici/') ? file.split('/').slice(0, 3).join('/') : file;
    byFile.set(group, (byFile.get(group) ?? 0) + self);
  }
  const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`).join('\n');
  console.log(`\nprofile (self time, ${(total / 1000).toFixed(0)} ms busy sampled), by file:\n${top(byFile, 18)}\nby function:\n${top(byFunction, 30)}`);
}

const receivers = await startReceivers();
const journalDir = mkdtempSync(path.join(tmpdir(), 'rtb-bench-notices-'));
const bidders = receivers.ports.map((_, i) => `dsp-${i + 1}`);
// The receivers are loopback origins that are not configured bidders: private addresses allowed.
const config = parseConfig({ notices: { journalDir, allowPrivateNetworks: true } });
// As the exchange runs it: pino's asynchronous destination (here to /dev/null, as in the benchmark), one metrics
// registry; the plugin makes its own connections.
const destination = pino.destination({ dest: '/dev/null', sync: false });
const log = pino({ level: 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
const { metrics, counts } = countingMetrics(bidders);
const pricing = new Map<string, Pricing>(bidders.map((name) => [name, new DecimalCpmPricing()]));
const plugin = new NoticesPlugin({ name: 'notices', optionsAt: 'notices', options: config.notices as Record<string, unknown>, log: log.child({ plugin: 'notices' }), config }, pricing, metrics, SINGLE_PROCESS, new ProcessQpsShare());
await plugin.start();

const events = Array.from({ length: auctions }, (_, n) => auctionNoticeEvent(`bench-${n}`, receivers.ports));
const ctx = { auctionId: '', log: silent };
let expected = 0;
const feedPlugin = (n: number) => {
  expected += NOTICES_PER_AUCTION;
  void plugin.notices(ctx, events[n]);
};
const allSent = () => counts.sent >= expected;

// Warm-up (JIT, connections), then the pacing loop alone (its own CPU, subtracted), then the measured rounds.
await phase(Math.min(1000, auctions), (n) => feedPlugin(n % auctions), allSent);
const idle = await phase(auctions, () => undefined, () => true);
const notices = auctions * NOTICES_PER_AUCTION;
const idleUsPerMs = idle.cpuUs / idle.wallMs;
console.log(`${auctions} auctions at ${rate}/s = ${notices} notices to ${bidders.length} origins, ${args.rounds} rounds; pacing loop alone ${(idle.cpuUs / 1000).toFixed(0)} ms CPU in ${idle.wallMs.toFixed(0)} ms (subtracted)`);
const perNotice: number[] = [];
for (let round = 0; round < Number(args.rounds); round++) {
  const sentBefore = counts.sent;
  const measured = await phase(auctions, feedPlugin, allSent);
  const netUs = measured.cpuUs - idleUsPerMs * measured.wallMs;
  perNotice.push(netUs / notices);
  console.log(`  round ${round + 1}: ${(netUs / notices).toFixed(1)} µs CPU per notice (raw: user ${(measured.userUs / notices).toFixed(1)}, system ${((measured.cpuUs - measured.userUs) / notices).toFixed(1)}; main thread ${(measured.mainUs / notices).toFixed(1)}), ${(netUs / auctions).toFixed(0)} µs per auction; ${counts.sent - sentBefore} delivered in ${measured.wallMs.toFixed(0)} ms`);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`CPU per notice: median ${median(perNotice).toFixed(1)} µs, min ${Math.min(...perNotice).toFixed(1)} µs; failed attempts ${counts.failed}`);

// The floor: the same GETs sent straight through `attemptDelivery` over connections like the plugin's (pipelined,
// corked; no journal, no log, no macros, no queue), to tell the plugin's own cost from the HTTP request's.
const { concurrencyPerBidder, pipelining } = NOTICES_SECTION.parse(config.notices);
const dispatcher = new Agent({ connections: concurrencyPerBidder, pipelining, keepAliveTimeout: 30_000, connect: corkingConnector() });
const floorNotices = events.flatMap((event, n) => [...event.outcome.awards, ...event.outcome.losses].map((entry, i): Notice => ({
  id: `floor-${n}-${i}`, kind: 'lurl', bidder: entry.candidate.bidder, auctionId: event.auction.auctionId,
  url: `http://127.0.0.1:${receivers.ports[i]}/loss?auction=${event.auction.auctionId}&loss=102&min=1.76`, acceptedAt: 0,
})));
const floor: number[] = [];
const floorDeadlines = new AttemptDeadlines(5_000);
for (let round = 0; round < Number(args.rounds); round++) {
  let answered = 0;
  const measured = await phase(auctions, (n) => {
    for (let i = 0; i < NOTICES_PER_AUCTION; i++) {
      const notice = floorNotices[n * NOTICES_PER_AUCTION + i];
      void attemptDelivery(routeThrough(dispatcher, notice.url), notice, floorDeadlines).then(() => answered++);
    }
  }, () => answered >= notices);
  floor.push((measured.cpuUs - idleUsPerMs * measured.wallMs) / notices);
}
console.log(`floor (attemptDelivery alone): median ${median(floor).toFixed(1)} µs per GET [${floor.map((x) => x.toFixed(1)).join(' ')}]`);

if (args.profile) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  await phase(auctions, feedPlugin, allSent);
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args['profile-out']!, JSON.stringify(profile));
  session.disconnect();
  summarize(profile as unknown as Parameters<typeof summarize>[0]);
  console.log(`(one more round under the profiler; profile written to ${args['profile-out']})`);
}

await plugin.stop();
await dispatcher.close();
await new Promise<void>((resolve) => destination.flush(() => resolve()));
receivers.stop();
rmSync(journalDir, { recursive: true, force: true });
