import type { Logger } from 'pino';
import type { ExchangeMetrics } from '../../core/index.js';
import { AttemptDeadlines } from './attempt-deadlines.js';
import { attemptDelivery } from './delivery.js';
import type { NoticeDestinations } from './destinations.js';
import type { Notice } from './notice.js';
import { DeliveryQueue } from './queue.js';
import type { NoticesSettings } from './settings.js';
import { noticeMetricsOf } from './notice-metrics.js';

/** What a ledger does when a notice ends; the queue's metrics and log lines are {@link ledgerDeliveryQueue}'s. */
export interface NoticeEnds {
  /** Delivered (2xx): no longer owed. */
  delivered(notice: Notice): void;
  /** Given up (attempts or age exhausted): no longer owed. */
  gaveUp(notice: Notice, reason: string): void;
}

/**
 * A ledger's delivery queue: each notice routed again when it is attempted (one replayed or taken over was
 * accepted under the configuration of its time), `rtb_notices_total` counted, and the `notice attempt failed` and
 * `notice given up` lines (a `notice delivered` one at debug level) written; `ends` keeps the ledger's books.
 */
export function ledgerDeliveryQueue(settings: NoticesSettings, destinations: NoticeDestinations, log: Logger, metrics: ExchangeMetrics, ends: NoticeEnds): DeliveryQueue {
  const deadlines = new AttemptDeadlines(settings.timeoutMs);
  const counts = noticeMetricsOf(metrics);
  return new DeliveryQueue(settings, settings.concurrencyPerBidder, {
    attempt: (notice, cancellation) => {
      const route = destinations.route(notice);
      return route.ok ? attemptDelivery(route, notice, deadlines, cancellation) : Promise.resolve({ ok: false, reason: route.reason, final: true });
    },
    delivered: (notice, attempts, status) => {
      ends.delivered(notice);
      counts.recordNotice(notice.kind, 'sent');
      if (log.isLevelEnabled('debug')) log.debug({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, attempts, status }, 'notice delivered');
    },
    failed: (notice, attempts, reason, retryInMs) => {
      if (retryInMs !== null) counts.recordNotice(notice.kind, 'retried');
      log.info({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, attempts, reason, retryInMs }, 'notice attempt failed');
    },
    gaveUp: (notice, attempts, reason) => {
      ends.gaveUp(notice, reason);
      counts.recordNotice(notice.kind, 'failed');
      log.warn({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, url: notice.url.slice(0, 200), attempts, reason }, 'notice given up');
    },
  });
}
