import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { AuctionOutcome, BidderResult, BidderStatus } from './auction/bids.js';
import type { HookCallTags, HookOutcomeKind } from './hooks/run-hook.js';

/** The three notice types the `notices` stage delivers (win, loss, billing). */
export type NoticeMetricType = 'nurl' | 'lurl' | 'burl';

/**
 * How a notice delivery attempt ended, for `rtb_notices_total`: `sent` delivered (2xx), `retried` an attempt
 * failed and a retry is scheduled, `failed` given up for good (attempts or age exhausted, or not a URL).
 */
export type NoticeMetricResult = 'sent' | 'retried' | 'failed';

const BIDDER_STATUSES: readonly BidderStatus[] = ['win', 'loss', 'nobid', 'timeout', 'error', 'invalid'];
const NOTICE_TYPES: readonly NoticeMetricType[] = ['nurl', 'lurl', 'burl'];
const NOTICE_RESULTS: readonly NoticeMetricResult[] = ['sent', 'retried', 'failed'];

/** Latency buckets (seconds) around an auction's default 300 ms deadline. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5];

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;
type GaugeChild = ReturnType<Gauge<string>['labels']>;

/** One bidder's pre-resolved label children: the per-auction path does no label hashing for them. */
interface BidderChildren {
  readonly latency: HistogramChild;
  /** status → code ('' when none) → counter child, filled as codes appear. */
  readonly bids: Map<BidderStatus, Map<number | '', CounterChild>>;
}

/**
 * The exchange's Prometheus metrics (`GET /metrics`), one registry per {@link Exchange} (never prom-client's
 * global one, so several exchanges in one process do not collide). Registered in the DI root as
 * `Tokens.Metrics`: the core records auctions, bids, latencies and hook outcomes; the `notices` plugin records
 * notices and billing. Label children are cached (per bidder at start-up), so recording costs no hashing.
 */
export class ExchangeMetrics {
  /** The exchange's own registry (the process metrics live in {@link processRegistry}). */
  readonly registry = new Registry();
  private source?: () => Promise<string>;

  /** `rtb_auctions_total{outcome}`: finished auctions, `filled` (at least one imp won) or `unfilled`. */
  readonly auctions = new Counter({ name: 'rtb_auctions_total', help: 'Finished auctions by outcome (filled: at least one imp won).', labelNames: ['outcome'], registers: [this.registry] });

  /** `rtb_auction_duration_seconds`: from the request's arrival at the pipeline to the auction log line. */
  readonly auctionDuration = new Histogram({ name: 'rtb_auction_duration_seconds', help: 'Auction duration, fan-out to the auction log line.', buckets: LATENCY_BUCKETS, registers: [this.registry] });

  /**
   * `rtb_bids_total{bidder,status,code}`: one per bidder asked per auction, with its auction-log status
   * (`win`, `loss`, `nobid`, `timeout`, `error`, `invalid`). `code` is the OpenRTB loss reason of its first
   * losing bid for `loss` (102: outbid; 100: below the floor …) and of its first rejected bid for `invalid`
   * (the `bidValidate` rejection code); empty otherwise.
   */
  readonly bids = new Counter({ name: 'rtb_bids_total', help: 'Bidder answers per auction by status, with the loss or rejection code.', labelNames: ['bidder', 'status', 'code'], registers: [this.registry] });

  /** `rtb_bidder_latency_seconds{bidder}`: request build to decoded answer, for bidders that answered (not timeouts). */
  readonly bidderLatency = new Histogram({ name: 'rtb_bidder_latency_seconds', help: 'Bidder answer latency (answers only; timeouts are counted in rtb_bids_total).', labelNames: ['bidder'], buckets: LATENCY_BUCKETS, registers: [this.registry] });

  /** `rtb_hook_calls_total{plugin,stage,outcome}`: every plugin hook call, `success`, `error` or `timeout`. */
  readonly hookCalls = new Counter({ name: 'rtb_hook_calls_total', help: 'Plugin hook calls by plugin, stage and outcome.', labelNames: ['plugin', 'stage', 'outcome'], registers: [this.registry] });

  /** `rtb_notices_total{type,result}`: notice attempts' ends (`sent`, `retried`, `failed`) per type (`nurl`, `lurl`, `burl`). */
  readonly notices = new Counter({ name: 'rtb_notices_total', help: 'Notice deliveries by type and result (sent, retried, failed).', labelNames: ['type', 'result'], registers: [this.registry] });

  /** `rtb_notices_pending{type}`: notices accepted and neither delivered nor given up (what the journal owes). */
  readonly noticesPending = new Gauge({ name: 'rtb_notices_pending', help: 'Notices owed (journaled, not yet delivered or given up) by type.', labelNames: ['type'], registers: [this.registry] });

  /** `rtb_billing_total{bidder}`: impressions billed (once each, T2), with or without a `burl`. */
  readonly billing = new Counter({ name: 'rtb_billing_total', help: 'Billed impressions by bidder.', labelNames: ['bidder'], registers: [this.registry] });

  private readonly filled = this.auctions.labels('filled');
  private readonly unfilled = this.auctions.labels('unfilled');
  private readonly bidders = new Map<string, BidderChildren>();
  private readonly hookChildren = new Map<string, CounterChild>();
  private readonly noticeChildren = new Map<string, CounterChild>();
  private readonly pendingChildren = new Map<NoticeMetricType, GaugeChild>();

  /** `bidders`: the configured bidders, whose children are resolved now (others are added on first use). */
  constructor(bidders: Iterable<string> = []) {
    for (const name of bidders) this.bidder(name);
    for (const type of NOTICE_TYPES) {
      for (const result of NOTICE_RESULTS) {
        const child = this.notices.labels(type, result);
        child.inc(0);
        this.noticeChildren.set(`${type}:${result}`, child);
      }
      const pending = this.noticesPending.labels(type);
      pending.set(0);
      this.pendingChildren.set(type, pending);
    }
    this.filled.inc(0);
    this.unfilled.inc(0);
  }

  /** Records one finished auction (pipeline, after the auction log line): outcome, duration, every bidder. */
  recordAuction(results: readonly BidderResult[], outcome: AuctionOutcome, durationMs: number): void {
    (outcome.awards.length > 0 ? this.filled : this.unfilled).inc();
    this.auctionDuration.observe(durationMs / 1000);
    let codes: Map<string, number> | undefined;
    for (const loss of outcome.losses) {
      codes ??= new Map();
      if (!codes.has(loss.candidate.bidder)) codes.set(loss.candidate.bidder, loss.code);
    }
    for (const result of results) {
      const children = this.bidder(result.bidder);
      const code = result.status === 'loss' || result.status === 'invalid' ? codes?.get(result.bidder) ?? '' : '';
      const byCode = children.bids.get(result.status)!;
      let child = byCode.get(code);
      if (!child) {
        child = this.bids.labels(result.bidder, result.status, String(code));
        byCode.set(code, child);
      }
      child.inc();
      if (result.latencyMs !== null) children.latency.observe(result.latencyMs / 1000);
    }
  }

  /** A {@link HookObserver} body: counts one hook call's outcome. */
  recordHook(tags: HookCallTags, outcome: HookOutcomeKind): void {
    const key = `${tags.plugin}\0${tags.stage}\0${outcome}`;
    let child = this.hookChildren.get(key);
    if (!child) {
      child = this.hookCalls.labels(tags.plugin, tags.stage, outcome);
      this.hookChildren.set(key, child);
    }
    child.inc();
  }

  /** A notice attempt ended (`notices` plugin). */
  recordNotice(type: NoticeMetricType, result: NoticeMetricResult): void {
    this.noticeChildren.get(`${type}:${result}`)?.inc();
  }

  /** Notices owed of `type` changed by `delta` (+1 accepted or replayed, −1 delivered or given up). */
  notePending(type: NoticeMetricType, delta: number): void {
    this.pendingChildren.get(type)?.inc(delta);
  }

  /** An impression was billed (`notices` plugin). */
  recordBilling(bidder: string): void {
    this.billing.labels(bidder).inc();
  }

  /**
   * The Prometheus text exposition: this exchange's metrics, then the Node process metrics; or, once
   * {@link exposeWith} was called (a cluster worker), what that source gives (every worker's sum).
   */
  async exposition(): Promise<string> {
    if (this.source) return this.source();
    const [own, process] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${own}\n${process}`;
  }

  /** Serves `GET /metrics` from `source` instead of this process's registries. */
  exposeWith(source: () => Promise<string>): void {
    this.source = source;
  }

  /** This process's metrics (exchange and process) as prom-client JSON, for aggregation across workers. */
  async snapshot(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    const [own, process] = await Promise.all([this.registry.getMetricsAsJSON(), processRegistry().getMetricsAsJSON()]);
    return [...own, ...process];
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private bidder(name: string): BidderChildren {
    let children = this.bidders.get(name);
    if (!children) {
      const bids = new Map<BidderStatus, Map<number | '', CounterChild>>();
      for (const status of BIDDER_STATUSES) {
        const byCode = new Map<number | '', CounterChild>();
        if (status !== 'loss' && status !== 'invalid') {
          const child = this.bids.labels(name, status, '');
          child.inc(0);
          byCode.set('', child);
        }
        bids.set(status, byCode);
      }
      // Exported from start-up (zero), so a bidder that never answers still has its series.
      this.bidderLatency.zero({ bidder: name });
      children = { latency: this.bidderLatency.labels(name), bids };
      this.bidders.set(name, children);
    }
    return children;
  }
}

let processMetrics: Registry | undefined;

/**
 * Node process metrics (`process_*`, `nodejs_*`: CPU, memory, event-loop lag, GC, handles), in a registry of
 * their own created once per process: they describe the process, not one exchange, and `collectDefaultMetrics`
 * installs process-wide observers that cannot be removed, so one set serves every exchange in the process.
 */
export function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}
