import { collectDefaultMetrics, Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { AuctionOutcome, BidderResult, BidderStatus } from './auction/bids.js';
import type { HookCallTags, HookOutcomeKind } from './hooks/run-hook.js';
import { SeriesHistogram, type HistogramSeries } from './metric-histogram.js';

const BIDDER_STATUSES: readonly BidderStatus[] = ['win', 'offer', 'loss', 'nobid', 'timeout', 'error', 'invalid'];

/** Latency buckets (seconds) around an auction's default 300 ms deadline. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5];

type CounterChild = ReturnType<Counter<string>['labels']>;
type GaugeChild = ReturnType<Gauge<string>['labels']>;

/**
 * A counter series (or a gauge's changes) counted in a plain number on the per-auction path and handed to
 * prom-client when scraped (prom-client hashes and validates the labels on every `inc`). Add to `pending`.
 */
export class PendingCount {
  pending = 0;
  constructor(private readonly child: CounterChild | GaugeChild) {
    child.inc(0);
  }

  /** Adds what was counted since the last scrape to the prom-client series. */
  flush(): void {
    if (this.pending === 0) return;
    this.child.inc(this.pending);
    this.pending = 0;
  }
}

/** One bidder's pre-resolved series: the per-auction path does no label hashing for them. */
interface BidderSeries {
  readonly latency: HistogramSeries;
  /** Auctions that went on without the bidder (its `maxQps`). */
  readonly throttled: PendingCount;
  /** status → code ('' when none) → count, filled as codes appear. */
  readonly bids: Map<BidderStatus, Map<number | '', PendingCount>>;
}

/** A hook's counts by outcome. */
type HookCounts = Record<HookOutcomeKind, PendingCount>;

/**
 * The exchange's Prometheus metrics (`GET /metrics`), one registry per {@link Exchange} (never prom-client's
 * global one, so several exchanges in one process do not collide). Registered in the DI root as
 * `Tokens.Metrics`: the core records auctions, bids, latencies and hook outcomes; plugins register their own
 * metrics on {@link registry} (the `notices` plugin: notices and billing). The per-auction series are resolved
 * once (per bidder at start-up, per hook on first use) and counted in plain numbers that reach prom-client when
 * `/metrics` is scraped; a plugin's per-auction series do the same through {@link deferredCount}.
 */
export class ExchangeMetrics {
  /** The exchange's own registry (the process metrics live in {@link processRegistry}). */
  readonly registry = new Registry();
  private source?: () => Promise<string>;
  /** Every per-auction count, flushed into prom-client before an exposition. */
  private readonly counts: PendingCount[] = [];

  /** `rtb_auctions_total{outcome}`: finished auctions, `filled` (at least one imp won) or `unfilled`. */
  readonly auctions = new Counter({ name: 'rtb_auctions_total', help: 'Finished auctions by outcome (filled: at least one imp won).', labelNames: ['outcome'], registers: [this.registry] });

  /** `rtb_auction_duration_seconds`: from the request's arrival at the pipeline to the auction log line. */
  readonly auctionDuration = new SeriesHistogram('rtb_auction_duration_seconds', 'Auction duration, fan-out to the auction log line.', LATENCY_BUCKETS, this.registry);

  /**
   * `rtb_bids_total{bidder,status,code}`: one per bidder asked per auction, with its auction-log status
   * (`win`, `offer`, `loss`, `nobid`, `timeout`, `error`, `invalid`). `code` is the OpenRTB loss reason of its first
   * losing bid for `loss` (102: outbid; 100: below the floor …) and of its first rejected bid for `invalid`
   * (the `bidValidate` rejection code); empty otherwise.
   */
  readonly bids = new Counter({ name: 'rtb_bids_total', help: 'Bidder answers per auction by status, with the loss or rejection code.', labelNames: ['bidder', 'status', 'code'], registers: [this.registry] });

  /** `rtb_bidder_latency_seconds{bidder}`: request build to decoded answer, for bidders that answered (not timeouts). */
  readonly bidderLatency = new SeriesHistogram('rtb_bidder_latency_seconds', 'Bidder answer latency (answers only; timeouts are counted in rtb_bids_total).', LATENCY_BUCKETS, this.registry);

  /** `rtb_bidder_throttled_total{bidder}`: auctions that went on without a bidder over its `maxQps` (not asked). */
  readonly throttled = new Counter({ name: 'rtb_bidder_throttled_total', help: 'Auctions that did not ask a bidder because it was at its maxQps.', labelNames: ['bidder'], registers: [this.registry] });

  /** `rtb_bids_dropped_total{bidder,limit}`: bids dropped before validation for being over `limits.bidsPerAnswer` or `limits.bidsPerImp`. */
  readonly bidsDropped = new Counter({ name: 'rtb_bids_dropped_total', help: 'Bids dropped before validation for being over the exchange\'s limits, by bidder and limit.', labelNames: ['bidder', 'limit'], registers: [this.registry] });

  /** `rtb_hook_calls_total{plugin,stage,outcome}`: every plugin hook call, `success`, `error` or `timeout`. */
  readonly hookCalls = new Counter({ name: 'rtb_hook_calls_total', help: 'Plugin hook calls by plugin, stage and outcome.', labelNames: ['plugin', 'stage', 'outcome'], registers: [this.registry] });

  private readonly filled = this.count(this.auctions.labels('filled'));
  private readonly unfilled = this.count(this.auctions.labels('unfilled'));
  private readonly duration = this.auctionDuration.series();
  private readonly bidders = new Map<string, BidderSeries>();
  /** plugin → stage → counts by outcome. */
  private readonly hooks = new Map<string, Map<string, HookCounts>>();

  /** `bidders`: the configured bidders, whose series are resolved now (others are added on first use). */
  constructor(bidders: Iterable<string> = []) {
    for (const name of bidders) this.bidder(name);
  }

  /** Records one finished auction (pipeline, after the auction log line): outcome, duration, every bidder. */
  recordAuction(results: readonly BidderResult[], outcome: AuctionOutcome, durationMs: number): void {
    (outcome.awards.length > 0 ? this.filled : this.unfilled).pending++;
    this.duration.observe(durationMs / 1000);
    // Each bidder's first loss code, in one pass over the losses.
    let codes: Map<string, number> | undefined;
    for (const loss of outcome.losses) {
      codes ??= new Map();
      if (!codes.has(loss.candidate.bidder)) codes.set(loss.candidate.bidder, loss.code);
    }
    for (const result of results) {
      const series = this.bidder(result.bidder);
      const code = result.status === 'loss' || result.status === 'invalid' ? codes?.get(result.bidder) ?? '' : '';
      const byCode = series.bids.get(result.status)!;
      let count = byCode.get(code);
      if (!count) {
        count = this.count(this.bids.labels(result.bidder, result.status, String(code)));
        byCode.set(code, count);
      }
      count.pending++;
      if (result.latencyMs !== null) series.latency.observe(result.latencyMs / 1000);
    }
  }

  /** Counts `count` bids of `bidder` dropped for being over `limits.<limit>`. */
  recordDropped(bidder: string, limit: string, count: number): void {
    this.bidsDropped.labels(bidder, limit).inc(count);
  }

  /** Counts one auction that did not ask `bidder` because it was at its `maxQps`. */
  recordThrottled(bidder: string): void {
    this.bidder(bidder).throttled.pending++;
  }

  /** A {@link HookObserver} body: counts one hook call's outcome. */
  recordHook(tags: HookCallTags, outcome: HookOutcomeKind): void {
    let byStage = this.hooks.get(tags.plugin);
    if (!byStage) {
      byStage = new Map();
      this.hooks.set(tags.plugin, byStage);
    }
    let counts = byStage.get(tags.stage);
    if (!counts) {
      const { plugin, stage } = tags;
      counts = {
        success: this.count(this.hookCalls.labels(plugin, stage, 'success')),
        error: this.count(this.hookCalls.labels(plugin, stage, 'error')),
        timeout: this.count(this.hookCalls.labels(plugin, stage, 'timeout')),
        overrun: this.count(this.hookCalls.labels(plugin, stage, 'overrun')),
      };
      byStage.set(tags.stage, counts);
    }
    counts[outcome].pending++;
  }

  /**
   * The Prometheus text exposition: this exchange's metrics, then the Node process metrics; or, once
   * {@link exposeWith} was called (a cluster worker), what that source gives (every worker's sum).
   */
  async exposition(): Promise<string> {
    if (this.source) return this.source();
    this.flush();
    const [own, process] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${own}\n${process}`;
  }

  /** Serves `GET /metrics` from `source` instead of this process's registries. */
  exposeWith(source: () => Promise<string>): void {
    this.source = source;
  }

  /** This process's metrics (exchange and process) as prom-client JSON, for aggregation across workers. */
  async snapshot(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    this.flush();
    const [own, process] = await Promise.all([this.registry.getMetricsAsJSON(), processRegistry().getMetricsAsJSON()]);
    return [...own, ...process];
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private bidder(name: string): BidderSeries {
    let series = this.bidders.get(name);
    if (!series) {
      const bids = new Map<BidderStatus, Map<number | '', PendingCount>>();
      for (const status of BIDDER_STATUSES) {
        const byCode = new Map<number | '', PendingCount>();
        if (status !== 'loss' && status !== 'invalid') byCode.set('', this.count(this.bids.labels(name, status, '')));
        bids.set(status, byCode);
      }
      // Exported from start-up (zero), so a bidder that never answers still has its series.
      series = { latency: this.bidderLatency.series({ bidder: name }), throttled: this.count(this.throttled.labels(name)), bids };
      this.bidders.set(name, series);
    }
    return series;
  }

  /**
   * A per-auction count on `child` (a series of a counter or gauge on {@link registry}), exported at zero from now
   * on and handed to prom-client at each scrape: counting it costs a number's increment.
   */
  deferredCount(child: CounterChild | GaugeChild): PendingCount {
    return this.count(child);
  }

  /** A new per-auction count on `child`, exported at zero from now on. */
  private count(child: CounterChild | GaugeChild): PendingCount {
    const count = new PendingCount(child);
    this.counts.push(count);
    return count;
  }

  /** Hands every per-auction count to prom-client (before an exposition or a snapshot). */
  private flush(): void {
    for (const count of this.counts) count.flush();
  }
}

let processMetrics: Registry | undefined;

/**
 * Node process metrics (`process_*`, `nodejs_*`: CPU, memory, event-loop lag, GC, handles), in a registry of
 * their own created once per process: they describe the process, not one exchange, and `collectDefaultMetrics`
 * installs process-wide observers that cannot be removed, so one set serves every exchange in the process.
 *
 * prom-client's CPU counters count from their registration; they are seeded with the CPU the process used
 * before it, so that `process_cpu_*_seconds_total` is the process's total, as Prometheus defines it (a first
 * scrape would otherwise read about zero).
 */
export function processRegistry(): Registry {
  if (!processMetrics) {
    const before = process.cpuUsage();
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    const seed = (name: string, micros: number) => (processMetrics!.getSingleMetric(name) as Counter | undefined)?.inc(micros / 1e6);
    seed('process_cpu_user_seconds_total', before.user);
    seed('process_cpu_system_seconds_total', before.system);
    seed('process_cpu_seconds_total', before.user + before.system);
  }
  return processMetrics;
}
