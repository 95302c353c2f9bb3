import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { inject, injectable } from 'tsyringe';
import type { AuctionNoticeEvent, NoticeContext, NoticeEvent, TrackerNoticeEvent } from '../../core/hooks/stages.js';
import { expandMacros } from '../../core/macros.js';
import type { ExchangeMetrics } from '../../core/metrics.js';
import type { Plugin, PluginScope } from '../../core/plugin/contract.js';
import { Tokens } from '../../core/plugin/tokens.js';
import { DecimalCpmPricing, type Pricing } from '../../core/pricing.js';
import { impressionKey } from '../../core/trackers/token-codec.js';
import { AttemptDeadlines } from './attempt-deadlines.js';
import { auctionNotices } from './auction-notices.js';
import { BatchWindow } from './batch-window.js';
import { BilledImpressions } from './billed-impressions.js';
import { attemptDelivery } from './delivery.js';
import { NoticeDestinations } from './destinations.js';
import { EventLog } from './event-log.js';
import { NoticeJournal, type JournalRecord } from './journal.js';
import type { Notice, NoticeKind } from './notice.js';
import { DeliveryQueue } from './queue.js';
import { readSettings, type NoticesSettings } from './settings.js';

export { BilledImpressions } from './billed-impressions.js';
export { NoticeJournal, type JournalRecord, type JournalState } from './journal.js';
export { DeliveryQueue, type QueueHandlers } from './queue.js';
export type { Notice, NoticeKind } from './notice.js';

const FALLBACK_PRICING = new DecimalCpmPricing();
/**
 * Auction events wait up to this long to be turned into notices together: one timer, one journal write, one burst
 * of log lines and one hand-over to the queue per batch instead of per auction (a few ms are nothing to a notice).
 * The shutdown drain takes a batch in at once.
 */
export const INTAKE_BATCH_MS = 5;
/** How often expired billed impressions are forgotten. */
const PRUNE_EVERY_MS = 60_000;

/**
 * `notices` (on by default; `notices.enabled: false` turns it off): the exchange's notices to bidders, durable.
 * - `auction` events: the winner's `nurl` (T1) and each loser's `lurl` (T3), fired after the auction, never in
 *   the ad response's way; `win` and `loss` log lines.
 * - `impression` events (the exchange's impression tracker): the winner's `burl` exactly once per impression
 *   (T2), `${AUCTION_IMP_TS}` set to the hit's time; a bid without `burl` is billed in the log all the same.
 * - `click` events: a `click` log line.
 * Every notice is journaled ({@link NoticeJournal}) when accepted and delivered by the {@link DeliveryQueue}
 * (retries, backoff, per-bidder concurrency) over its own pipelined connections; what is owed at shutdown or
 * lost in a crash is delivered at the next start.
 * Metrics (`Tokens.Metrics`): `rtb_notices_total{type,result}`, `rtb_notices_pending{type}`, `rtb_billing_total`;
 * `ready()` reports whether the journal can be written (`GET /readyz`).
 */
@injectable()
export class NoticesPlugin implements Plugin {
  private readonly settings: NoticesSettings;
  /** Where notices may go (SSRF guard) and through which dispatcher. */
  private readonly destinations: NoticeDestinations;
  private readonly log: Logger;
  private readonly events: EventLog;
  /** Notices accepted and neither delivered nor given up: what a journal compaction keeps. */
  private readonly owed = new Map<string, Notice>();
  private billed = new BilledImpressions();
  private journal?: NoticeJournal;
  private queue?: DeliveryQueue;
  private pruner?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  /** Auction events not yet turned into notices: taken in together (see {@link INTAKE_BATCH_MS}). */
  private readonly intake = new BatchWindow<AuctionNoticeEvent>(INTAKE_BATCH_MS, (events) => this.takeIn(events));
  /** The last intake batch's hand-over to the queue, which follows its journal write: what shutdown waits for. */
  private handover: Promise<void> = Promise.resolve();
  private readonly idPrefix = randomBytes(4).toString('hex');
  private nextId = 0;

  constructor(
    @inject(Tokens.PluginScope) scope: PluginScope,
    @inject(Tokens.BidderPricing) private readonly pricing: ReadonlyMap<string, Pricing>,
    @inject(Tokens.Metrics) private readonly metrics: ExchangeMetrics,
  ) {
    this.settings = readSettings(scope);
    this.destinations = new NoticeDestinations(scope.config);
    this.log = scope.log;
    this.events = new EventLog(scope.log);
  }

  /** Opens the journal (replaying it) and resumes delivering what it still owes. */
  async start(): Promise<void> {
    const { journal, state } = await NoticeJournal.open(this.settings.journalDir, this.log, (replayed) => {
      for (const notice of replayed.pending.values()) this.owe(notice);
      this.billed = new BilledImpressions(replayed.billed);
      return () => this.liveRecords();
    });
    this.journal = journal;
    const { settings } = this;
    const deadlines = new AttemptDeadlines(settings.timeoutMs);
    this.queue = new DeliveryQueue(settings, settings.concurrencyPerBidder, {
      attempt: (notice, cancellation) => {
        // Notices replayed from the journal were accepted under the configuration of their time: routed again.
        const route = this.destinations.route(notice);
        return route.ok ? attemptDelivery(route, notice, deadlines, cancellation) : Promise.resolve(route);
      },
      delivered: (notice, attempts, status) => {
        this.settle(notice);
        this.metrics.recordNotice(notice.kind, 'sent');
        void this.journal?.delivered(notice.id);
        if (this.log.isLevelEnabled('debug')) this.log.debug({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, attempts, status }, 'notice delivered');
      },
      failed: (notice, attempts, reason, retryInMs) => {
        if (retryInMs !== null) this.metrics.recordNotice(notice.kind, 'retried');
        this.log.info({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, attempts, reason, retryInMs }, 'notice attempt failed');
      },
      gaveUp: (notice, attempts, reason) => this.finish(notice, { t: 'x', id: notice.id, why: reason }, () =>
        this.log.warn({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, url: notice.url, attempts, reason }, 'notice given up')),
    });
    this.pruner = setInterval(() => this.billed.prune(Date.now()), PRUNE_EVERY_MS);
    this.pruner.unref();
    if (state.pending.size) this.log.info({ pending: state.pending.size, billed: state.billed.size }, 'notices: resuming delivery of notices owed from the journal');
    for (const notice of state.pending.values()) this.queue.add(notice);
  }

  /**
   * Delivers what it can within `notices.drainTimeoutMs`; the rest stays in the journal for the next start.
   * Then closes the journal.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.pruner);
    this.intake.flush();
    await this.handover;
    const owedBefore = this.owed.size;
    await this.queue?.drain(this.settings.drainTimeoutMs);
    if (this.owed.size) this.log.info({ owed: this.owed.size, delivered: owedBefore - this.owed.size }, 'notices: left in the journal for the next start');
    await this.journal?.close();
    await this.destinations.close();
  }

  /** Ready while the journal can be written (`GET /readyz`): a notice accepted now would not be durable otherwise. */
  ready(): boolean | string {
    return this.journal ? this.journal.writable() : 'notice journal not open';
  }

  /** The `notices` hook. */
  notices(_ctx: NoticeContext, event: NoticeEvent): void | Promise<void> {
    if (event.type === 'auction') {
      // Later, with the other auctions of its batch: the hook runs inside the auction's request.
      this.intake.add(event);
      return;
    }
    if (event.type === 'impression') {
      // Auctions waiting in the intake (this impression's among them, when it came back at once) are taken in
      // first: an auction's `nurl` is journaled and queued before its `burl`.
      this.intake.flush();
      return this.onImpression(event);
    }
    this.events.click(event.claim);
  }

  /**
   * Takes in a batch of auctions (group commit): their log lines, their notices owed and journaled in one write,
   * and only once that write is done handed to the queue. A notice is accepted when its `n` record is written:
   * from then on it survives a crash, and it is never sent before.
   */
  private takeIn(events: readonly AuctionNoticeEvent[]): void {
    const now = Date.now();
    const accepted: Notice[] = [];
    for (const event of events) this.onAuction(event, now, accepted);
    if (accepted.length === 0) return;
    for (const notice of accepted) {
      this.owe(notice);
      void this.write({ t: 'n', ...notice });
    }
    const committed = this.journal ? this.journal.commit() : Promise.resolve(false);
    this.handover = committed.then(() => {
      for (const notice of accepted) this.dispatch(notice);
    });
  }

  /** One auction's log lines, and its notices (appended to `accepted`). */
  private onAuction(event: AuctionNoticeEvent, now: number, accepted: Notice[]): void {
    const { auctionId } = event.auction;
    const owed = auctionNotices(event, (bidder) => this.pricing.get(bidder) ?? FALLBACK_PRICING);
    for (const award of event.outcome.awards) this.events.win(auctionId, award, typeof award.candidate.bid.nurl === 'string' && award.candidate.bid.nurl !== '');
    for (const loss of event.outcome.losses) this.events.loss(auctionId, loss, typeof loss.candidate.bid.lurl === 'string' && loss.candidate.bid.lurl !== '');
    for (const { kind, bidder, url } of owed) accepted.push(this.notice(kind, bidder, auctionId, url, now));
  }

  /** Bills the impression once: the billed mark (with the `burl` notice) is journaled before anything is fired. */
  private async onImpression(event: TrackerNoticeEvent): Promise<void> {
    const { claim } = event;
    const key = impressionKey(claim);
    if (!this.billed.claim(key, claim.expiresAt)) {
      this.events.impression(claim, true);
      return;
    }
    this.events.impression(claim, false);
    const durable = this.settings.fsyncBilling;
    if (claim.burl === undefined) {
      await this.write({ t: 'b', key, exp: claim.expiresAt }, durable);
      this.events.billing(claim, false);
      this.metrics.recordBilling(claim.bidder);
      return;
    }
    const headers: Record<string, string> = {};
    if (event.client.ip) headers['x-forwarded-for'] = headers['x-device-ip'] = event.client.ip;
    if (event.client.userAgent) headers['x-device-user-agent'] = event.client.userAgent;
    const url = expandMacros(claim.burl, { AUCTION_IMP_TS: String(event.at) }, { urlEncode: true });
    const notice = this.notice('burl', claim.bidder, claim.auctionId, url, Date.now(), headers);
    this.owe(notice);
    await this.write({ t: 'n', ...notice, bill: key, billExp: claim.expiresAt }, durable);
    this.events.billing(claim, true);
    this.metrics.recordBilling(claim.bidder);
    this.dispatch(notice);
  }

  private notice(kind: NoticeKind, bidder: string, auctionId: string, url: string, acceptedAt: number, headers?: Record<string, string>): Notice {
    const id = `${this.idPrefix}-${(this.nextId++).toString(36)}`;
    return headers && Object.keys(headers).length
      ? { id, kind, bidder, auctionId, url, acceptedAt, headers }
      : { id, kind, bidder, auctionId, url, acceptedAt };
  }

  private dispatch(notice: Notice): void {
    const route = this.destinations.route(notice);
    if (route.ok) {
      this.queue?.add(notice);
      return;
    }
    const why = route.reason;
    this.finish(notice, { t: 'x', id: notice.id, why }, () =>
      this.log.warn({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, url: notice.url.slice(0, 200), reason: why }, 'notice given up'));
  }

  /** From now on the notice is owed (and counted in `rtb_notices_pending`). */
  private owe(notice: Notice): void {
    if (this.owed.has(notice.id)) return;
    this.owed.set(notice.id, notice);
    this.metrics.notePending(notice.kind, 1);
  }

  /** The notice is no longer owed: delivered or given up. */
  private settle(notice: Notice): void {
    if (this.owed.delete(notice.id)) this.metrics.notePending(notice.kind, -1);
  }

  /** Gives a notice up: journaled as such, counted as `failed`. */
  private finish(notice: Notice, record: JournalRecord, report: () => void): void {
    this.settle(notice);
    this.metrics.recordNotice(notice.kind, 'failed');
    void this.write(record);
    report();
  }

  private write(record: JournalRecord, durable = false): Promise<boolean> {
    if (!this.journal) {
      this.log.error({ record }, 'notices: event before start; not journaled');
      return Promise.resolve(false);
    }
    return this.journal.append(record, durable);
  }

  /** What a compacted journal holds: billed impressions, then notices still owed. */
  private *liveRecords(): Iterable<JournalRecord> {
    for (const [key, exp] of this.billed.entries()) yield { t: 'b', key, exp };
    for (const notice of this.owed.values()) yield { t: 'n', ...notice };
  }
}
