// `npm run bench`: the exchange and 4 mock bidders in separate processes on loopback, driven by autocannon,
// next to a minimal node:http + undici baseline doing the same work, in the same run. Prints figures and
// ratios; asserts nothing (timings never go into tests). Bounded: a few seconds per phase, then it stops.
// Every server is up for the whole run and the rounds take them in turn (baseline, core, core + rewrite, …),
// so a ratio compares phases seconds apart, not minutes: on two shared cores the machine's speed drifts by
// ±15% over a run. Each figure is the median over the rounds; each ratio the median of the per-round ratios.
// The bench (not the exchange) uses global fetch, only to poll readiness.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { bundle } from '../../core/bundle.mjs';
import { RTB_NODE_FLAGS } from '../../core/node-flags.mjs';
import { vectorPath } from '../vectors.js';
import { delayBeyondInterval, PacedLoad } from './paced-load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const bidderDelayMs = Number(process.env.BENCH_BIDDER_DELAY_MS ?? 10);
const children: ChildProcess[] = [];
/** The run's scratch directory (logs, journals), removed at the end. */
const logDir = mkdtempSync(path.join(tmpdir(), 'rtb-bench-'));
/**
 * Node flags for the measured processes (exchanges and baselines alike): the ones `rtb` runs with, then any extra
 * from BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
const measuredNodeArgs = [...RTB_NODE_FLAGS, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a process (in `cwd`, the repository by default) and waits until `ready` appears in its output, or its port answers `GET /healthz`. */
function launch(args: string[], env: Record<string, string>, ready: RegExp | number, cwd = root): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (typeof ready !== 'number' && ready.test(out)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
    if (typeof ready === 'number') {
      const poll = setInterval(() => {
        fetch(`http://127.0.0.1:${ready}/healthz`).then(
          (answer) => answer.ok && (clearInterval(poll), resolve(child)),
          () => undefined,
        );
      }, 100);
    }
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Microseconds so far in which some runnable task on the machine waited for a CPU (Linux's pressure stall
 * information, `/proc/pressure/cpu`), or NaN where the kernel has none: a phase's share of it says how contended
 * the two cores were, whoever the other tasks were.
 */
function cpuPressureUs(): number {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** The headers of every request the loads send (a page's tag request). */
const requestHeaders = { 'user-agent': 'bench/1.0', referer: 'https://pub.example/' };
/**
 * The paced load's rate: issue 17's latency targets hold at 1000/s and at half the node:http baseline's measured
 * maximum, whichever is lower (on two shared cores 1000/s can be the whole machine's capacity). Measured before the
 * rounds; `BENCH_PACED_RATE` fixes it instead.
 */
const MAX_PACED_RATE = 1000;

interface Figures { rps: number; p50: number; p99: number; max: number; slowestSentAtS?: number; loadLoopLagMaxMs?: number; serverLoopLagMaxMs?: number; cpuPressurePercent: number; cpuMsPerAuction: number; biddersCpuMsPerAuction: number; rssMb: number; non2xx: number; errors: number }

/** The mock bidders' processes: their CPU per auction is printed too, since they share the two cores (notices cost them a GET each). */
const bidderPids: number[] = [];
const biddersCpuSeconds = () => bidderPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** What a load phase saw from the client's side; `done` is the number of answered auctions. */
type ClientFigures = Pick<Figures, 'rps' | 'p50' | 'p99' | 'max' | 'slowestSentAtS' | 'loadLoopLagMaxMs' | 'non2xx' | 'errors'> & { done: number };

/** Runs a load phase against the server `pid`, and adds its CPU per auction (and the bidders'), and its RSS. */
async function measure(pid: number, load: () => Promise<ClientFigures>): Promise<Figures> {
  const cpuBefore = cpuSeconds(pid);
  const biddersBefore = biddersCpuSeconds();
  const [pressureBefore, startedAt] = [cpuPressureUs(), performance.now()];
  const { done, ...client } = await load();
  const cpuPressurePercent = (cpuPressureUs() - pressureBefore) / 10 / (performance.now() - startedAt);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const biddersCpu = biddersCpuSeconds() - biddersBefore;
  return {
    ...client,
    cpuPressurePercent,
    cpuMsPerAuction: done ? (cpu * 1000) / done : NaN,
    biddersCpuMsPerAuction: done ? (biddersCpu * 1000) / done : NaN,
    rssMb: rssMb(pid),
  };
}

/**
 * The body of the Prebid case, shaped as Prebid.js sends Prebid Server (its `ortbConverter` and `pbsExtensions`) for a
 * page of 3 banner slots, each naming all 4 bidders with params of their own, and `ext.prebid.targeting`, so the page
 * decides: every bidder's bid on every imp is offered with Prebid's targeting keys (12 offers).
 */
const PREBID_AUCTION_BODY = JSON.stringify({
  id: 'bench-prebid',
  imp: [1, 2, 3].map((slot) => ({
    id: `div-slot-${slot}`,
    banner: { format: [{ w: 300, h: 250 }], topframe: 1 },
    secure: 1,
    ext: { gpid: `/1234/bench/slot-${slot}`, prebid: { bidder: Object.fromEntries([1, 2, 3, 4].map((dsp) => [`dsp-${dsp}`, { placementId: slot * 10 + dsp }])) } },
  })),
  site: { page: 'https://pub.example/article', domain: 'pub.example', publisher: { domain: 'pub.example' } },
  device: { ua: 'bench/1.0', w: 1280, h: 800, language: 'en', dnt: 0 },
  tmax: 300,
  cur: ['USD'],
  source: { tid: 'bench-transaction' },
  ext: { prebid: { targeting: { includewinners: true, includebidderkeys: false }, channel: { name: 'pbjs', version: '9.0.0' } } },
});

/** The name of the Prebid case's exchange. */
const PREBID_CASE = 'core, Prebid.js auctions (3 imps)';

/** A measured server as a load sees it: where it answers, its process, and the body to POST (a GET without one). */
interface LoadTarget { readonly url: string; readonly pid: number; readonly body?: string }

/** autocannon at full load (closed loop: each connection sends its next request when the last one's answer is in). */
function drive({ url, pid, body }: LoadTarget, options: { connections?: number }): Promise<Figures> {
  return measure(pid, async () => {
    const request = body === undefined ? { headers: requestHeaders } : { method: 'POST' as const, body, headers: { ...requestHeaders, 'content-type': 'application/json' } };
    const result = await autocannon({ url, duration: seconds, connections: options.connections ?? 64, ...request });
    const { average: rps, total: done } = result.requests;
    return { rps, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, non2xx: result.non2xx, errors: result.errors + result.timeouts, done };
  });
}

/** The fixed-rate figures: `load` (see paced-load.ts: autocannon's rate limiting sends bursts) at `rate` for the phase's seconds. */
function drivePaced(load: PacedLoad, pid: number, rate: number): Promise<Figures> {
  return measure(pid, async () => {
    const { rps, p50, p99, max, slowestSentAtS, loadLoopLagMaxMs, non2xx, errors, sent } = await load.run(rate, seconds);
    return { rps, p50, p99, max, slowestSentAtS, loadLoopLagMaxMs, non2xx, errors, done: sent - errors };
  });
}

/** How often prom-client samples the event loop, ms (its `eventLoopMonitoringPrecision`, left at its default). */
const PROM_CLIENT_LAG_RESOLUTION_MS = 10;

/**
 * The exchange's own longest event-loop delay since the last call, in ms: `nodejs_eventloop_lag_max_seconds` (which
 * prom-client resets at each scrape) less the sampling interval it includes. Whether a late answer was a stall inside
 * the exchange's process or outside it.
 */
async function loopLagMaxMs(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const maxMs = Number(/^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? Number.NaN) * 1000;
  return delayBeyondInterval(maxMs, PROM_CLIENT_LAG_RESOLUTION_MS);
}

/** Waits (up to 30 s) until no exchange among `targets` owes a notice any more (`rtb_notices_pending`); resolves the ms waited. */
async function noticesDelivered(targets: readonly { readonly metricsUrl?: string }[]): Promise<number> {
  const started = Date.now();
  const pending = async (url: string) => {
    const text = await (await fetch(url)).text();
    return [...text.matchAll(/^rtb_notices_pending\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  };
  const until = Date.now() + 30_000;
  for (const { metricsUrl } of targets) {
    while (metricsUrl && Date.now() < until && (await pending(metricsUrl)) > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Date.now() - started;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The median of each figure over several rounds. */
function medianFigures(all: Figures[]): Figures {
  const of = (key: Exclude<keyof Figures, 'slowestSentAtS' | 'loadLoopLagMaxMs' | 'serverLoopLagMaxMs'>) => median(all.map((figures) => figures[key]));
  return { rps: of('rps'), p50: of('p50'), p99: of('p99'), max: Math.max(...all.map((f) => f.max)), cpuPressurePercent: of('cpuPressurePercent'), cpuMsPerAuction: of('cpuMsPerAuction'), biddersCpuMsPerAuction: of('biddersCpuMsPerAuction'), rssMb: Math.max(...all.map((f) => f.rssMb)), non2xx: all.reduce((n, f) => n + f.non2xx, 0), errors: all.reduce((n, f) => n + f.errors, 0) };
}

/** The median over the rounds of `a`'s figure divided by `b`'s in the same round. */
function ratio(a: Figures[], b: Figures[], key: 'rps' | 'cpuMsPerAuction'): number {
  return median(a.map((figures, round) => figures[key] / b[round]![key]));
}

/**
 * Each round's `key` (less `minus`), to one decimal: the spread behind a median or a maximum. A maximum says when
 * in its phase its request was sent (a slow start after idling, or a moment of the steady state).
 */
function rounded(all: Figures[], key: 'p99' | 'max' | 'serverLoopLagMaxMs' | 'loadLoopLagMaxMs' | 'cpuPressurePercent', minus = 0): string {
  const at = (figures: Figures) => (key === 'max' && figures.slowestSentAtS !== undefined ? ` (at ${figures.slowestSentAtS.toFixed(1)} s)` : '');
  return all.map((figures) => `${((figures[key] ?? Number.NaN) - minus).toFixed(1)}${at(figures)}`).join(', ');
}

/** A latency for the table: autocannon's whole milliseconds as they are, the paced load's to one decimal. */
const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1)).padStart(5);

function row(name: string, f: Figures): string {
  return `${name.padEnd(40)} ${f.rps.toFixed(0).padStart(7)} auctions/s  p50 ${ms(f.p50)} ms  p99 ${ms(f.p99)} ms  max ${ms(f.max)} ms  cpu ${f.cpuMsPerAuction.toFixed(3)} ms/auction (bidders ${f.biddersCpuMsPerAuction.toFixed(3)})  rss ${f.rssMb.toFixed(0)} MB  non-2xx ${f.non2xx}  errors ${f.errors}  cpu pressure ${f.cpuPressurePercent.toFixed(0)}%`;
}

async function main(): Promise<void> {
  const bidderPorts = await Promise.all([1, 2, 3, 4].map(() => freePort()));
  // Every bid carries a win and a loss notice URL (back to its own bidder), so each auction fires one nurl and
  // three lurls through the notices plugin (BENCH_NOTICES=off: the same bids, notices not fired).
  const noticeFlags = ['--nurl', 'SELF/win?auction=${AUCTION_ID}&price=${AUCTION_PRICE}', '--lurl', 'SELF/loss?auction=${AUCTION_ID}&loss=${AUCTION_LOSS}&min=${AUCTION_MIN_TO_WIN}'];
  // Bids on the video site carry an IAB sample VAST (a 3 KB InLine linear ad), as a video DSP would send.
  const vastFile = vectorPath('iab-vast-samples/VAST 4.2 Samples/Inline_Linear_Tag-test.xml');
  const bidders = await Promise.all(bidderPorts.map((port, i) => launch(['--import', 'tsx', 'examples/mock-bidder.ts', '--port', String(port), '--price', String(1 + i * 0.25), '--delay', String(bidderDelayMs), '--video-markup', vastFile, ...noticeFlags], {}, /listening/)));
  bidderPids.push(...bidders.map((bidder) => bidder.pid!));
  const endpoints = bidderPorts.map((port) => `http://127.0.0.1:${port}/bid`).join(',');

  /** A measured server: its name, what its load sends (URL, and a body for the Prebid case), its process, its metrics. */
  interface Target extends LoadTarget { readonly name: string; readonly metricsUrl?: string }
  // The baselines are compiled as `rtb` compiles the exchange (core/bundle.mjs), so no side runs under a loader.
  const baselineSources = ['baseline.ts', 'koa-baseline.ts'].map((file) => path.join(root, 'test/bench', file));
  const compiled = await bundle(baselineSources);
  const [baselineModule, koaModule] = baselineSources.map((source) => fileURLToPath(compiled.get(source)!));
  const baselinePort = await freePort();
  const baselineProcess = await launch([...measuredNodeArgs, baselineModule!], { PORT: String(baselinePort), BIDDERS: endpoints, LOG_FILE: path.join(logDir, 'baseline.log') }, /listening/);
  const baseline: Target = { name: 'node:http baseline', url: `http://127.0.0.1:${baselinePort}/ad?site=bench&mincpm=0.5`, pid: baselineProcess.pid! };
  // The same baseline behind Koa and @koa/router: what Koa alone costs, for reading the core's ratio.
  const koaPort = await freePort();
  const koaProcess = await launch([...measuredNodeArgs, koaModule!], { PORT: String(koaPort), BIDDERS: endpoints, LOG_FILE: path.join(logDir, 'koa-baseline.log') }, /listening/);
  const koaBaseline: Target = { name: 'Koa baseline', url: `http://127.0.0.1:${koaPort}/ad?site=bench&mincpm=0.5`, pid: koaProcess.pid! };

  /** Starts `rtb start` on the bench config for one case (from the checkout at `checkout`: this one by default). */
  const exchange = async (name: string, env: Record<string, string>, { workers = 1, site = 'bench', prebid = false, checkout = root, nodeArgs = [] as string[] } = {}): Promise<Target> => {
    const port = await freePort();
    const child = await launch([...measuredNodeArgs, ...nodeArgs, 'core/bin.mjs', 'start', '--config', 'test/bench/bench.config.ts', '--port', String(port), '--workers', String(workers)], {
      BENCH_BIDDERS: endpoints,
      BENCH_LOG_FILE: path.join(logDir, `${name}.log`),
      BENCH_JOURNAL_DIR: path.join(logDir, `${name}-notices`),
      ...env,
    }, port, checkout);
    const url = prebid ? `http://127.0.0.1:${port}/openrtb2/auction` : `http://127.0.0.1:${port}/ad?site=${site}&mincpm=0.5`;
    return { name, url, pid: child.pid!, metricsUrl: `http://127.0.0.1:${port}/metrics`, ...(prebid ? { body: PREBID_AUCTION_BODY } : {}) };
  };
  const other = process.env.BENCH_AB_DIR;
  if (other) return abRun(exchange, path.resolve(other), koaBaseline);
  // The core (issue 2's targets) runs without the default markup rewriters and notices; then each is measured
  // on its own against it, then everything together (what `rtb start` runs by default). The VAST rewrite is
  // measured against the core on the same video auctions, each in a process of its own (the core's RSS stays the
  // banner core's).
  const quick = process.env.BENCH_CASES === 'core';
  const core = await exchange('core', { BENCH_REWRITE: 'off', BENCH_NOTICES: 'off' });
  const targets: Target[] = [baseline, core, koaBaseline];
  if (!quick) {
    targets.push(await exchange('core + banner rewrite', { BENCH_NOTICES: 'off' }));
    targets.push(await exchange('core, video auctions', { BENCH_REWRITE: 'off', BENCH_NOTICES: 'off' }, { site: 'bench-video' }));
    targets.push(await exchange('core + VAST rewrite, video auctions', { BENCH_NOTICES: 'off' }, { site: 'bench-video' }));
    targets.push(await exchange('core + notices', { BENCH_REWRITE: 'off' }));
    targets.push(await exchange('everything on', {}));
    targets.push(await exchange(PREBID_CASE, { BENCH_REWRITE: 'off', BENCH_NOTICES: 'off' }, { prebid: true }));
  }

  process.stdout.write(`bench: 4 mock bidders (delay ${bidderDelayMs} ms), ${rounds} rounds of ${seconds} s per case, 2 cores shared by everything\n`);
  for (const target of targets) await drive(target, { connections: 16 }); // warm-up (JIT, pools)
  const baselineMax = (await drive(baseline, {})).rps;
  const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? Math.min(MAX_PACED_RATE, Math.floor(baselineMax / 2 / 10) * 10));
  process.stdout.write(`paced rate: ${PACED_RATE}/s (the lower of ${MAX_PACED_RATE}/s and half the baseline's ${baselineMax.toFixed(0)} auctions/s at max load)\n`);
  const atMax = new Map<Target, Figures[]>(targets.map((target) => [target, []]));
  const paced = new Map<Target, Figures[]>(targets.slice(0, 2).map((target) => [target, []]));
  const pacedLoads = new Map<Target, PacedLoad>([...paced.keys()].map((target) => [target, new PacedLoad(target.url, requestHeaders)]));
  for (const [target, load] of pacedLoads) await drivePaced(load, target.pid, 200); // warm-up (connections)
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) atMax.get(target)!.push(await drive(target, {}));
    // The notices cases may still be delivering what the full-load phases left: the paced phases start on a quiet machine.
    const waitedMs = await noticesDelivered(targets);
    if (waitedMs > 500) process.stdout.write(`(round ${round + 1}: ${(waitedMs / 1000).toFixed(1)} s for the notices cases to deliver what they owed)\n`);
    for (const [target, figures] of paced) {
      // Each server has idled through the other phases (~30 s): V8 has aged out code and shrunk the heap, and a
      // burst after that is a cold start (README). One unmeasured second first: the target is the steady state.
      await pacedLoads.get(target)!.run(PACED_RATE / 2, 1);
      if (target.metricsUrl) await loopLagMaxMs(target.metricsUrl);
      const round = await drivePaced(pacedLoads.get(target)!, target.pid, PACED_RATE);
      if (target.metricsUrl) round.serverLoopLagMaxMs = await loopLagMaxMs(target.metricsUrl);
      figures.push(round);
    }
  }
  await Promise.all([...pacedLoads.values()].map((load) => load.close()));
  const lines = [...targets.map((target) => row(`${target.name} (max load)`, medianFigures(atMax.get(target)!)))];
  for (const [target, figures] of paced) lines.push(row(`${target.name} @${PACED_RATE}/s (paced)`, medianFigures(figures)));
  const coreMax = medianFigures(atMax.get(core)!);
  const corePaced = medianFigures(paced.get(core)!);
  const baselinePaced = medianFigures(paced.get(baseline)!);
  lines.push(
    '',
    `core/baseline throughput: ${ratio(atMax.get(core)!, atMax.get(baseline)!, 'rps').toFixed(2)}× (target ≥ 0.80×)`,
    `core/baseline cpu per auction: ${ratio(atMax.get(core)!, atMax.get(baseline)!, 'cpuMsPerAuction').toFixed(2)}× (target ≤ 1.25×)`,
    `Koa baseline/baseline: throughput ${ratio(atMax.get(koaBaseline)!, atMax.get(baseline)!, 'rps').toFixed(2)}×, cpu per auction ${ratio(atMax.get(koaBaseline)!, atMax.get(baseline)!, 'cpuMsPerAuction').toFixed(2)}× (Koa alone); core/Koa baseline: throughput ${ratio(atMax.get(core)!, atMax.get(koaBaseline)!, 'rps').toFixed(2)}×, cpu per auction ${ratio(atMax.get(core)!, atMax.get(koaBaseline)!, 'cpuMsPerAuction').toFixed(2)}× (the framework's own work; issue 17's target ≤ 1.05×)`,
    `core p99 @${PACED_RATE}/s minus slowest bidder delay: ${(corePaced.p99 - bidderDelayMs).toFixed(1)} ms (target ≤ 10 ms; baseline: ${(baselinePaced.p99 - bidderDelayMs).toFixed(1)} ms)`,
    `  per round: core ${rounded(paced.get(core)!, 'p99', bidderDelayMs)}; baseline ${rounded(paced.get(baseline)!, 'p99', bidderDelayMs)}`,
    `core slowest answer @${PACED_RATE}/s: ${corePaced.max.toFixed(1)} ms (target ≤ tmax + 5 = 305 ms; baseline: ${baselinePaced.max.toFixed(1)} ms); at max load: ${coreMax.max} ms (baseline: ${medianFigures(atMax.get(baseline)!).max} ms: with every connection waiting, a request also waits to be read)`,
    `  per round: core ${rounded(paced.get(core)!, 'max')}; baseline ${rounded(paced.get(baseline)!, 'max')}`,
    `  the core's own longest event-loop delay per round: ${rounded(paced.get(core)!, 'serverLoopLagMaxMs')} ms; the load generator's (this process, which times every answer): ${rounded(paced.get(core)!, 'loadLoopLagMaxMs')} ms (a late answer beyond both was held up outside either event loop: the machine, the bidders); the machine's CPU pressure (share of the round in which some task waited for a CPU): ${rounded(paced.get(core)!, 'cpuPressurePercent')}%`,
    `core/baseline cpu per auction @${PACED_RATE}/s: ${ratio(paced.get(core)!, paced.get(baseline)!, 'cpuMsPerAuction').toFixed(2)}× (for comparison: each request then wakes the process alone)`,
    `core RSS: ${coreMax.rssMb.toFixed(0)} MB (target ≤ 150 MB in every case: ${targets.map((target) => `${target.name} ${medianFigures(atMax.get(target)!).rssMb.toFixed(0)}`).join(', ')} MB)`,
  );
  if (!quick) {
    const figuresOf = (name: string) => atMax.get(targets.find((target) => target.name === name)!)!;
    const cost = (name: string, reference = 'core') => `${((1 - ratio(figuresOf(name), figuresOf(reference), 'rps')) * 100).toFixed(0)}% of the core's throughput`;
    lines.push(
      `banner redirect-wrap + trackers cost: ${cost('core + banner rewrite')} (target < 15%)`,
      `VAST validation + tracker insertion cost: ${cost('core + VAST rewrite, video auctions', 'core, video auctions')} on the same video auctions (issue 17's target ≤ 25%)`,
      `notices (nurl + 3 lurl per auction) cost: ${cost('core + notices')} (target ≤ 10%)`,
      `a Prebid.js auction (POST /openrtb2/auction: 3 imps, each naming the 4 bidders; 12 offers with targeting keys) costs ${ratio(figuresOf(PREBID_CASE), figuresOf('core'), 'cpuMsPerAuction').toFixed(2)}× a tag auction's CPU (1 imp, 1 winner)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (quick) return;

  // node:cluster: CPU and RSS are the primary's only there, so that row reads for its auctions/s.
  for (const target of targets) process.kill(target.pid, 'SIGTERM');
  const one = await exchange('everything on, 1 worker', {});
  const two = await exchange('everything on, --workers 2', {}, { workers: 2 });
  await drive(one, { connections: 16 });
  await drive(two, { connections: 16 });
  const oneRuns: Figures[] = [];
  const twoRuns: Figures[] = [];
  for (let round = 0; round < rounds; round++) {
    oneRuns.push(await drive(one, {}));
    twoRuns.push(await drive(two, {}));
  }
  process.stdout.write(`${row('everything on, --workers 2 (max load)', medianFigures(twoRuns))}\n--workers 2 vs 1 worker, everything on: ${ratio(twoRuns, oneRuns, 'rps').toFixed(2)}× (the load generator and bidders share the same 2 cores)\n`);
  for (const target of [one, two]) process.kill(target.pid, 'SIGTERM');

  // Where the notices ledger is (in the auction process, in the cluster primary, on Redis): its cost to the
  // process that runs the auctions, on a quiet machine (test/bench/ledgers.ts).
  process.stdout.write('\nnotices ledger (test/bench/ledgers.ts):\n');
  await new Promise<void>((resolve) => {
    const ledgers = spawn(process.execPath, ['--import', 'tsx', 'test/bench/ledgers.ts', '--rounds', String(rounds)], { cwd: root, stdio: 'inherit' });
    ledgers.on('exit', () => resolve());
  });
}

/**
 * `BENCH_AB_DIR=<another checkout>`: the core of this checkout (A) and of the other (B, which has run `npm ci`; it may be
 * this one, with `BENCH_B_NODE_ARGS` as B's extra Node flags), on the same bidders, alternating phases at full load and at a paced 400/s (where CPU per auction is least disturbed by
 * the machine being full), `rounds` × 2 each: the most sensitive comparison of two builds this machine allows.
 */
async function abRun(
  exchange: (name: string, env: Record<string, string>, options?: { checkout?: string; nodeArgs?: string[] }) => Promise<{ name: string; url: string; pid: number }>,
  other: string,
  koa: { url: string; pid: number },
): Promise<void> {
  const env = { BENCH_REWRITE: 'off', BENCH_NOTICES: 'off' };
  const a = await exchange('A (this checkout)', env);
  const bArgs = (process.env.BENCH_B_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const b = await exchange(`B (${other}${bArgs.length ? ` ${bArgs.join(' ')}` : ''})`, env, { checkout: other, nodeArgs: bArgs });
  const sides = [a, b, { ...koa, name: 'Koa baseline' }];
  for (const side of sides) await drive(side, { connections: 16 });
  const loads = new Map(sides.map((side) => [side, new PacedLoad(side.url, requestHeaders)]));
  const full = new Map(sides.map((side) => [side, [] as Figures[]]));
  const slow = new Map(sides.map((side) => [side, [] as Figures[]]));
  for (let round = 0; round < rounds * 2; round++) {
    // Each round in the other order, so that neither side always follows the other.
    for (const side of round % 2 ? [...sides].reverse() : sides) {
      full.get(side)!.push(await drive(side, {}));
      slow.get(side)!.push(await drivePaced(loads.get(side)!, side.pid, 400));
    }
  }
  await Promise.all([...loads.values()].map((load) => load.close()));
  const lines = sides.flatMap((side) => [row(`${side.name} (max load)`, medianFigures(full.get(side)!)), row(`${side.name} @400/s`, medianFigures(slow.get(side)!))]);
  const [fa, fb, fk] = sides.map((side) => full.get(side)!);
  const [sa, sb, sk] = sides.map((side) => slow.get(side)!);
  lines.push(
    '',
    `A/B cpu per auction: ${ratio(fa!, fb!, 'cpuMsPerAuction').toFixed(3)}× at max load, ${ratio(sa!, sb!, 'cpuMsPerAuction').toFixed(3)}× at 400/s; throughput ${ratio(fa!, fb!, 'rps').toFixed(3)}×`,
    `A/Koa baseline cpu per auction: ${ratio(fa!, fk!, 'cpuMsPerAuction').toFixed(3)}× at max load, ${ratio(sa!, sk!, 'cpuMsPerAuction').toFixed(3)}× at 400/s (target ≤ 1.05×); B/Koa: ${ratio(fb!, fk!, 'cpuMsPerAuction').toFixed(3)}×, ${ratio(sb!, sk!, 'cpuMsPerAuction').toFixed(3)}×`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => rmSync(logDir, { recursive: true, force: true }), 1_000);
  });
