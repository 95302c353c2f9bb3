import { Counter, Gauge } from 'prom-client';
import type { ExchangeMetrics, PendingCount } from '../../core/index.js';

/** The three notice types the `notices` stage delivers (win, loss, billing). */
export type NoticeMetricType = 'nurl' | 'lurl' | 'burl';

/**
 * How a notice delivery attempt ended, for `rtb_notices_total`: `sent` delivered (2xx), `retried` an attempt
 * failed and a retry is scheduled, `failed` given up for good (attempts or age exhausted, or not a URL).
 */
export type NoticeMetricResult = 'sent' | 'retried' | 'failed';

const NOTICE_TYPES: readonly NoticeMetricType[] = ['nurl', 'lurl', 'burl'];
const NOTICE_RESULTS: readonly NoticeMetricResult[] = ['sent', 'retried', 'failed'];

/**
 * The `notices` plugin's metrics, on the exchange's registry (`GET /metrics`): `rtb_notices_total{type,result}`,
 * `rtb_notices_pending{type}` and `rtb_billing_total{bidder}`. One per exchange: {@link noticeMetricsOf}.
 */
export class NoticeMetrics {
  private readonly billing: Counter;
  private readonly counts = {} as Record<NoticeMetricType, Record<NoticeMetricResult, PendingCount>>;
  private readonly pendingChanges = {} as Record<NoticeMetricType, PendingCount>;

  constructor(metrics: ExchangeMetrics) {
    const registers = [metrics.registry];
    const notices = new Counter({ name: 'rtb_notices_total', help: 'Notice deliveries by type and result (sent, retried, failed).', labelNames: ['type', 'result'], registers });
    const pending = new Gauge({ name: 'rtb_notices_pending', help: 'Notices owed (journaled, not yet delivered or given up) by type.', labelNames: ['type'], registers });
    this.billing = new Counter({ name: 'rtb_billing_total', help: 'Billed impressions by bidder.', labelNames: ['bidder'], registers });
    for (const type of NOTICE_TYPES) {
      this.counts[type] = {} as Record<NoticeMetricResult, PendingCount>;
      for (const result of NOTICE_RESULTS) this.counts[type][result] = metrics.deferredCount(notices.labels(type, result));
      this.pendingChanges[type] = metrics.deferredCount(pending.labels(type));
    }
  }

  /** A notice attempt ended. */
  recordNotice(type: NoticeMetricType, result: NoticeMetricResult): void {
    this.counts[type][result].pending++;
  }

  /** Notices owed of `type` changed by `delta` (+1 accepted or replayed, −1 delivered or given up). */
  notePending(type: NoticeMetricType, delta: number): void {
    this.pendingChanges[type].pending += delta;
  }

  /** An impression was billed (once each, T2), with or without a `burl`. */
  recordBilling(bidder: string): void {
    this.billing.labels(bidder).inc();
  }
}

const byExchange = new WeakMap<ExchangeMetrics, NoticeMetrics>();

/**
 * The notice metrics of the exchange whose metrics are `metrics`, made on first use (by `make`: a benchmark counts
 * deliveries with a subclass of its own, made before the plugin asks).
 */
export function noticeMetricsOf(metrics: ExchangeMetrics, make: (metrics: ExchangeMetrics) => NoticeMetrics = (m) => new NoticeMetrics(m)): NoticeMetrics {
  let own = byExchange.get(metrics);
  if (!own) byExchange.set(metrics, (own = make(metrics)));
  return own;
}
