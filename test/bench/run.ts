// `npm run bench`: the exchange and 4 mock bidders in separate processes on loopback, driven by autocannon,
// next to a minimal node:http + undici baseline doing the same work, in the same run. Prints figures and
// ratios; asserts nothing (timings never go into tests). Bounded: a few seconds per phase, then it stops.
// The bench (not the exchange) uses global fetch, only to poll readiness.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const bidderDelayMs = Number(process.env.BENCH_BIDDER_DELAY_MS ?? 10);
const children: ChildProcess[] = [];
/** Extra node flags for the measured processes (exchange and baseline), e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const measuredNodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a process and waits until `ready` appears in its output, or its port answers `GET /healthz`. */
function launch(args: string[], env: Record<string, string>, ready: RegExp | number): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

interface Figures { rps: number; p50: number; p99: number; max: number; cpuMsPerAuction: number; rssMb: number; non2xx: number; errors: number }

async function drive(url: string, pid: number, options: { connections?: number; overallRate?: number }): Promise<Figures> {
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({ url, duration: seconds, connections: options.connections ?? 64, overallRate: options.overallRate, headers: { 'user-agent': 'bench/1.0', referer: 'https://pub.example/' } });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const done = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    cpuMsPerAuction: done ? (cpu * 1000) / done : NaN,
    rssMb: rssMb(pid),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function row(name: string, f: Figures): string {
  return `${name.padEnd(34)} ${f.rps.toFixed(0).padStart(7)} auctions/s  p50 ${String(f.p50).padStart(4)} ms  p99 ${String(f.p99).padStart(4)} ms  max ${String(f.max).padStart(4)} ms  cpu ${f.cpuMsPerAuction.toFixed(3)} ms/auction  rss ${f.rssMb.toFixed(0)} MB  non-2xx ${f.non2xx}  errors ${f.errors}`;
}

async function main(): Promise<void> {
  const bidderPorts = await Promise.all([1, 2, 3, 4].map(() => freePort()));
  // Every bid carries a win and a loss notice URL (back to its own bidder), so each auction fires one nurl and
  // three lurls through the notices plugin (BENCH_NOTICES=off: the same bids, notices not fired).
  const noticeFlags = ['--nurl', 'SELF/win?auction=${AUCTION_ID}&price=${AUCTION_PRICE}', '--lurl', 'SELF/loss?auction=${AUCTION_ID}&loss=${AUCTION_LOSS}&min=${AUCTION_MIN_TO_WIN}'];
  await Promise.all(bidderPorts.map((port, i) => launch(['--import', 'tsx', 'examples/mock-bidder.ts', '--port', String(port), '--price', String(1 + i * 0.25), '--delay', String(bidderDelayMs), ...noticeFlags], {}, /listening/)));
  const endpoints = bidderPorts.map((port) => `http://127.0.0.1:${port}/bid`).join(',');

  const logDir = mkdtempSync(path.join(tmpdir(), 'rtb-bench-'));
  const baselinePort = await freePort();
  const baseline = await launch([...measuredNodeArgs, '--import', 'tsx', 'test/bench/baseline.ts'], { PORT: String(baselinePort), BIDDERS: endpoints, LOG_FILE: path.join(logDir, 'baseline.log') }, /listening/);
  const baselineUrl = `http://127.0.0.1:${baselinePort}/ad?site=bench&mincpm=0.5`;

  /** Starts `rtb start` on the bench config for one case, measures it at max load (and paced), stops it. */
  const measureCase = async (name: string, env: Record<string, string>, paced: boolean, extraArgs: string[] = ['--workers', '1']) => {
    const port = await freePort();
    const exchange = await launch([...measuredNodeArgs, 'core/bin.mjs', 'start', '--config', 'test/bench/bench.config.ts', '--port', String(port), ...extraArgs], {
      BENCH_BIDDERS: endpoints,
      BENCH_LOG_FILE: path.join(logDir, `${name}.log`),
      BENCH_JOURNAL_DIR: path.join(logDir, `${name}-notices`),
      ...env,
    }, port);
    const url = `http://127.0.0.1:${port}/ad?site=bench&mincpm=0.5`;
    await drive(url, exchange.pid!, { connections: 16 }); // warm-up (JIT, pools)
    const max = await drive(url, exchange.pid!, {});
    const atRate = paced ? await drive(url, exchange.pid!, { overallRate: 1000, connections: 32 }) : undefined;
    exchange.kill('SIGTERM');
    await new Promise((resolve) => exchange.once('exit', resolve));
    return { max, atRate };
  };

  process.stdout.write(`bench: 4 mock bidders (delay ${bidderDelayMs} ms), ${seconds} s per phase, 2 cores shared by everything\n`);
  await drive(baselineUrl, baseline.pid!, { connections: 16 });
  const plain = await drive(baselineUrl, baseline.pid!, {});
  const plainPaced = await drive(baselineUrl, baseline.pid!, { overallRate: 1000, connections: 32 });
  // The core (issue 2's targets) runs without the default markup rewriters and notices; then each is measured
  // on its own against it, then everything together (what `rtb start` runs by default).
  const core = await measureCase('core', { BENCH_REWRITE: 'off', BENCH_NOTICES: 'off' }, true);
  if (process.env.BENCH_CASES === 'core') {
    // A quick run: the baseline and the core only.
    process.stdout.write(`${[row('node:http baseline (max load)', plain), row('core (max load)', core.max), `core/baseline throughput: ${(core.max.rps / plain.rps).toFixed(2)}×, cpu per auction: ${(core.max.cpuMsPerAuction / plain.cpuMsPerAuction).toFixed(2)}×`].join('\n')}\n`);
    return;
  }
  const rewrite = await measureCase('rewrite', { BENCH_NOTICES: 'off' }, false);
  const notices = await measureCase('notices', { BENCH_REWRITE: 'off' }, false);
  const full = await measureCase('full', {}, false);
  // node:cluster: CPU and RSS are the primary's only there, so that row reads for its auctions/s.
  const twoWorkers = await measureCase('full-2-workers', {}, false, ['--workers', '2']);

  const cost = (f: Figures) => `${((1 - f.rps / core.max.rps) * 100).toFixed(0)}% of the core's throughput`;
  const lines = [
    row('node:http baseline (max load)', plain),
    row('core (max load)', core.max),
    row('core + banner rewrite (max load)', rewrite.max),
    row('core + notices (max load)', notices.max),
    row('everything on (max load)', full.max),
    row('everything on, --workers 2 (max load)', twoWorkers.max),
    row('node:http baseline @1000/s', plainPaced),
    row('core @1000/s', core.atRate!),
    '',
    `core/baseline throughput: ${(core.max.rps / plain.rps).toFixed(2)}× (target ≥ 0.80×)`,
    `core/baseline cpu per auction: ${(core.max.cpuMsPerAuction / plain.cpuMsPerAuction).toFixed(2)}× (target ≤ 1.25×)`,
    `core p99 @1000/s minus slowest bidder delay: ${core.atRate!.p99 - bidderDelayMs} ms (target ≤ 10 ms; baseline: ${plainPaced.p99 - bidderDelayMs} ms)`,
    `core slowest answer at max load: ${core.max.max} ms (target ≤ tmax + 5 = 305 ms)`,
    `core RSS: ${core.max.rssMb.toFixed(0)} MB (target ≤ 150 MB)`,
    `banner redirect-wrap + trackers cost: ${cost(rewrite.max)} (target < 15%)`,
    `notices (nurl + 3 lurl per auction) cost: ${cost(notices.max)} (target ≤ 10%)`,
    `--workers 2 vs 1 worker, everything on: ${twoWorkers.max.rps.toFixed(0)} vs ${full.max.rps.toFixed(0)} auctions/s (${(twoWorkers.max.rps / full.max.rps).toFixed(2)}×; the load generator and bidders share the same 2 cores)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
  });
