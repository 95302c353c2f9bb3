// `npx tsx test/bench/pipeline.ts [node flags, e.g. --cpu-prof]`: the framework's own CPU per auction, without the network. The
// bench's exchange (4 OpenRTB bidders, rewriters and notices off: the "core" case of `npm run bench`) runs tag
// auctions through the real pipeline, each bidder's transport answering at once with the bid the mock bidder sends,
// next to the baselines' auction logic (test/bench/baseline-auction.ts: the same JSON in and out, no framework) on the
// same answers. The difference is what the framework adds per auction on top of the HTTP both pay for; alternating
// rounds, medians; then the bytes each allocates per auction (PIPELINE_ALLOCATION_SITES=N also lists the framework's N
// biggest allocation sites). Prints figures; asserts nothing (timings never go into tests).
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Agent } from 'undici';
import type { BidderPlan } from '../../core/auction/bidder-plan.js';
import { AuctionPipeline } from '../../core/auction/pipeline.js';
import { buildTagRequest } from '../../core/auction/tag-request.js';
import type { BidderTransport, TransportResult } from '../../core/auction/transport.js';
import { parseConfig } from '../../core/config/load.js';
import { resolveExchange } from '../../core/exchange-plan.js';
import { ExchangeMetrics } from '../../core/metrics.js';
import { builtinRegistry } from '../../plugins/builtin.js';

const AUCTIONS = 20_000;
const ROUNDS = 5;
const PRICES = [1, 1.25, 1.5, 1.75];

/**
 * The answer the mock bidder (examples/mock-bidder.ts) sends for a one-imp banner request, at `price`, without the
 * request's `id` (optional in the answer's check), so that one buffer serves every auction.
 */
function answerBody(price: number): Buffer {
  return Buffer.from(JSON.stringify({
    cur: 'USD',
    seatbid: [{ seat: 's', bid: [{ id: `b-${price}`, impid: '1', price, adm: '<div class="ad"><a href="https://advertiser.example/landing">Ad</a></div>', mtype: 1, crid: 'c', adomain: ['advertiser.example'], w: 300, h: 250 }] }],
  }));
}

/** A transport that answers every call at once, as a bidder on loopback would after its delay. */
function instantTransport(body: Buffer): BidderTransport {
  const answer: TransportResult = { ok: true, answer: { status: 200, headers: { 'content-type': 'application/json' }, body } };
  return { send: () => Promise.resolve(answer), close: async () => undefined } as unknown as BidderTransport;
}

/** The bench's exchange as a pipeline whose bidders answer at once; resolved when the compiled copy runs. */
function benchPipeline(): (() => Promise<void>) {
  const log = pino({ level: 'info', base: { pid: process.pid } }, new Writable({ write: (_chunk, _encoding, done) => done() }));
  const config = parseConfig({
    sites: { bench: { banner: { w: 300, h: 250 } } },
    bidders: Object.fromEntries(PRICES.map((_, i) => [`dsp-${i + 1}`, { endpoint: `http://127.0.0.1:${9200 + i}/bid` }])),
    plugins: ['adm-banner', 'adm-vast', 'adm-native'].map((name) => ({ name, enabled: false })),
    notices: { enabled: false },
    trackers: { secret: 'pipeline bench secret, 32 characters' },
  });
  const resolved = resolveExchange(config, builtinRegistry(), log, new Agent());
  const bidders: BidderPlan[] = resolved.bidders.map((bidder, i) => ({ ...bidder, transport: instantTransport(answerBody(PRICES[i]!)) }));
  const pipeline = new AuctionPipeline({ config, bidders, stages: resolved.stages, log, env: { log, observe: () => undefined }, metrics: new ExchangeMetrics(bidders.map((b) => b.view.name)) });
  const site = config.sites.bench!;
  /** One framework auction as `GET /ad` runs it (minus Koa): the tag request, the pipeline, a winner. */
  return async () => {
    const request = buildTagRequest(site, { siteId: 'bench', userAgent: 'bench/1.0', referer: 'https://pub.example/', ip: '203.0.113.7' });
    const result = await pipeline.run({ request, origin: 'tag', site: { id: 'bench', config: site }, minFloorMicros: 500_000 });
    if (result.deliveries.length !== 1) throw new Error(`no winner: ${JSON.stringify(result.bidders.map((b) => [b.bidder, b.status, b.detail]))}`);
  };
}

/** The baselines' auction logic on the same answers: build, "send", parse, rank, log a line, answer. */
const answers = PRICES.map((price) => answerBody(price));
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
async function baselineAuction(): Promise<void> {
  const id = randomUUID();
  const body = JSON.stringify({ id, imp: [{ id: '1', banner: { w: 300, h: 250 }, bidfloor: 0.5 }], site: { id: 'bench', page: 'https://pub.example/' }, device: { ua: 'bench/1.0', ip: '203.0.113.7' }, tmax: 300, at: 2, cur: ['USD'] });
  const parsed = await Promise.all(answers.map(async (answer) => {
    if (body.length === 0) return null;
    const bid = JSON.parse(answer.toString('utf8')).seatbid?.[0]?.bid?.[0];
    return bid && typeof bid.price === 'number' && bid.adm ? { price: Math.round(bid.price * 1e6), adm: bid.adm as string } : null;
  }));
  const ranked = parsed.filter((a): a is { price: number; adm: string } => a !== null && a.price >= 500_000).sort((a, b) => b.price - a.price);
  const [winner, second] = ranked;
  const paid = winner ? Math.min(winner.price, Math.max(500_000, second ? second.price + 10_000 : 500_000)) : null;
  sink.write(`${JSON.stringify({ auctionId: id, day: new Date().toISOString().slice(0, 10), bidders: parsed.map((a) => a?.price ?? null), paid })}\n`);
  if (!winner || `document.write(${JSON.stringify(winner.adm)});`.length === 0) throw new Error('no winner');
}

/** CPU µs per auction of `run`, `count` auctions one after the other. */
async function cpuPerAuction(run: () => Promise<void>, count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

/** One allocation site of a sampled heap profile: where (function, file, line), and the bytes it allocated. */
interface AllocationSite { readonly where: string; bytes: number }

/**
 * Bytes allocated per auction by `run` over `count` auctions (collected garbage included: V8's sampling heap
 * profiler, every 512 bytes on average), and the sites that allocated them, most first. Allocation is what the
 * young generation's scavenges and the old generation's growth (peak RSS) pay for.
 */
async function allocationPerAuction(run: () => Promise<void>, count: number): Promise<{ bytes: number; sites: AllocationSite[] }> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  for (let i = 0; i < count; i++) await run();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SampledNode } };
  session.disconnect();
  const sites = new Map<string, AllocationSite>();
  let bytes = 0;
  const walk = (node: SampledNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    const site = sites.get(where) ?? sites.set(where, { where, bytes: 0 }).get(where)!;
    site.bytes += node.selfSize / count;
    bytes += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  return { bytes: bytes / count, sites: [...sites.values()].sort((a, b) => b.bytes - a.bytes) };
}

/** A node of V8's sampled heap profile (the fields read here). */
interface SampledNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SampledNode[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function main(): Promise<void> {
  const frameworkAuction = benchPipeline();
  await cpuPerAuction(frameworkAuction, 2_000); // warm-up (JIT)
  await cpuPerAuction(baselineAuction, 2_000);
  const framework: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    framework.push(await cpuPerAuction(frameworkAuction, AUCTIONS));
    baseline.push(await cpuPerAuction(baselineAuction, AUCTIONS));
  }
  const f = median(framework);
  const b = median(baseline);
  process.stdout.write(`pipeline (4 bidders answering at once, no network), CPU per auction, median of ${ROUNDS} rounds of ${AUCTIONS}:\n`);
  process.stdout.write(`  framework ${f.toFixed(1)} µs (rounds ${framework.map((v) => v.toFixed(1)).join(', ')})\n`);
  process.stdout.write(`  baseline logic ${b.toFixed(1)} µs (rounds ${baseline.map((v) => v.toFixed(1)).join(', ')})\n`);
  process.stdout.write(`  the framework adds ${(f - b).toFixed(1)} µs per auction\n`);
  const frameworkAllocation = await allocationPerAuction(frameworkAuction, 5_000);
  const baselineAllocation = await allocationPerAuction(baselineAuction, 5_000);
  process.stdout.write(`allocated per auction (sampled, garbage included): framework ${(frameworkAllocation.bytes / 1024).toFixed(1)} KB, baseline logic ${(baselineAllocation.bytes / 1024).toFixed(1)} KB\n`);
  // PIPELINE_ALLOCATION_SITES=N: the framework's N biggest allocation sites (in the compiled bundle: its lines).
  for (const site of frameworkAllocation.sites.slice(0, Number(process.env.PIPELINE_ALLOCATION_SITES ?? 0))) {
    process.stdout.write(`  ${site.bytes.toFixed(0).padStart(6)} B  ${site.where}\n`);
  }
}

/**
 * Run under tsx, this file compiles itself as `rtb` compiles the exchange (core/bundle.mjs: tsx's `keepNames` would
 * wrap every closure) and runs the compiled copy with `rtb`'s Node flags; that copy does the measuring.
 */
async function compiledRun(): Promise<void> {
  const { bundle } = await import('../../core/bundle.mjs');
  const { RTB_NODE_FLAGS } = await import('../../core/node-flags.mjs');
  const source = fileURLToPath(import.meta.url);
  const compiled = fileURLToPath((await bundle([source])).get(source)!);
  const child = spawn(process.execPath, [...RTB_NODE_FLAGS, ...process.argv.slice(2), compiled], { stdio: 'inherit', env: { ...process.env, PIPELINE_BENCH_COMPILED: '1' } });
  await new Promise<void>((resolve) => child.on('exit', (code) => ((process.exitCode = code ?? 1), resolve())));
}

(process.env.PIPELINE_BENCH_COMPILED ? main() : compiledRun()).catch((error) => {
  process.stderr.write(`pipeline bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
