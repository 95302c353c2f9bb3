import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { inject, injectable } from 'tsyringe';
import {
  type AuctionNoticeEvent, type ClusterChannel, type ConfigKeys, DecimalCpmPricing, type ExchangeMetrics, expandMacros, impressionKey,
  type NoticeContext, type NoticeEvent, type Plugin, type PluginScope, type Pricing, type QpsShare, redactedUrl, Tokens,
  type TrackerNoticeEvent,
} from '../../core/index.js';
import { auctionNotices } from './auction-notices.js';
import { BatchWindow } from './batch-window.js';
import { NoticeDestinations } from './destinations.js';
import { EventLog } from './event-log.js';
import { NoticeLedger, type Ledger } from './ledger.js';
import type { Notice, NoticeKind } from './notice.js';
import { RedisLedger } from './redis-ledger.js';
import { RemoteLedger, serveLedger } from './remote-ledger.js';
import { NOTICES_CONFIG_KEYS, readSettings, type NoticesSettings } from './settings.js';
import { noticeMetricsOf } from './notice-metrics.js';

export { BilledImpressions } from './billed-impressions.js';
export { NoticeJournal, type JournalRecord, type JournalState } from './journal.js';
export { NoticeLedger, type Ledger } from './ledger.js';
export { DeliveryQueue, type QueueHandlers } from './queue.js';
export type { Notice, NoticeKind } from './notice.js';

const FALLBACK_PRICING = new DecimalCpmPricing();
/**
 * Auction events wait up to this long to be turned into notices together: one timer, one journal write (or one
 * message to the cluster primary), one burst of log lines per batch instead of per auction (a few ms are nothing
 * to a notice). The shutdown drain takes a batch in at once.
 */
export const INTAKE_BATCH_MS = 5;
/**
 * `notices` (on by default; `notices.enabled: false` turns it off): the exchange's notices to bidders, durable.
 * - `auction` events: the winner's `nurl` (T1) and each loser's `lurl` (T3), fired after the auction, never in
 *   the ad response's way; `win` and `loss` log lines.
 * - `impression` events (the exchange's impression tracker): the winner's `burl` exactly once per impression
 *   (T2), `${AUCTION_IMP_TS}` set to the hit's time; a bid without `burl` is billed in the log all the same. In an
 *   auction the page decided, the rendered offer's `nurl` is sent then too (its win was not known before).
 * - `click` events: a `click` log line.
 * The billed set, the notices owed and their delivery are the ledger of `state.backend`: the machine's
 * {@link NoticeLedger} (`local`) or the fleet's {@link RedisLedger} (`redis`), held by the only process of an
 * exchange or, under `rtb start --workers N`, by the cluster primary (`startPrimary`), which every worker hands
 * its notices (in batches) and its impression claims over the cluster channel ({@link RemoteLedger}). So a
 * duplicate hit bills once whichever worker (or, on Redis, node) takes it, and delivery costs the auction
 * workers only the hand-off.
 * Metrics (`Tokens.Metrics`): `rtb_notices_total{type,result}`, `rtb_notices_pending{type}` (where the ledger
 * is), `rtb_billing_total` (where the hit is); `ready()` reports whether the journal can be written (`GET /readyz`).
 */
@injectable()
export class NoticesPlugin implements Plugin {
  /** Its options are the top-level `notices` section. */
  static readonly configKeys: ConfigKeys = NOTICES_CONFIG_KEYS;

  private readonly settings: NoticesSettings;
  /** Where notices may go (SSRF guard) and through which dispatcher. */
  private readonly destinations: NoticeDestinations;
  private readonly log: Logger;
  private readonly events: EventLog;
  /** The machine's ledger: its own (single process, cluster primary), or the primary's through the channel. */
  private ledger?: Ledger;
  /** In a cluster worker: the primary's ledger, through the channel. */
  private remote?: RemoteLedger;
  /** The ledger this process owns and must stop, if any. */
  private owned?: NoticeLedger | RedisLedger;
  private stopping?: Promise<void>;
  /** The last batch's hand-over to the ledger: what a stop waits for (a worker must not exit before it is sent). */
  private handover: Promise<void> = Promise.resolve();
  /** Auction events not yet turned into notices: taken in together (see {@link INTAKE_BATCH_MS}). */
  private readonly intake = new BatchWindow<AuctionNoticeEvent>(INTAKE_BATCH_MS, (events) => this.takeIn(events));
  private readonly idPrefix = randomBytes(4).toString('hex');
  private nextId = 0;

  constructor(
    @inject(Tokens.PluginScope) private readonly scope: PluginScope,
    @inject(Tokens.BidderPricing) private readonly pricing: ReadonlyMap<string, Pricing>,
    @inject(Tokens.Metrics) private readonly metrics: ExchangeMetrics,
    @inject(Tokens.Cluster) private readonly cluster: ClusterChannel,
    @inject(Tokens.QpsShare) private readonly qpsShare: QpsShare,
  ) {
    this.settings = readSettings(scope);
    this.destinations = new NoticeDestinations(scope.config.bidders, this.settings);
    this.log = scope.log;
    this.events = new EventLog(scope.log);
  }

  /**
   * In the only process: opens the journal (replaying it) and resumes delivering what it still owes. In a cluster
   * worker: nothing to open, the primary's ledger is used.
   */
  async start(): Promise<void> {
    if (this.cluster.role === 'worker') {
      this.ledger = this.remote = new RemoteLedger(this.cluster);
      return;
    }
    this.owned = this.ownLedger();
    await this.owned.start();
    this.ledger = this.owned;
  }

  /**
   * In a cluster primary (before any worker is forked): opens the machine's ledger, taking over the journals worker
   * slots kept before, and serves the workers' notices and claims.
   */
  async startPrimary(channel: ClusterChannel): Promise<void> {
    const ledger = this.ownLedger();
    await ledger.start(true);
    this.owned = this.ledger = ledger;
    serveLedger(channel, ledger, () => this.degraded());
  }

  /** `rtb check`'s `state:` line: the machine's journal, or the fleet's Redis (password hidden) with the journal as its spill. */
  describeState(): string {
    const { state } = this.scope.config;
    const journal = String(this.scope.options.journalDir);
    return state.backend === 'redis' ? `redis ${redactedUrl(state.redis.url)} prefix=${state.redis.prefix}` : `local journal=${journal}`;
  }

  /** The ledger of `state.backend`: this machine's journal (`local`), or the fleet's Redis with the journal as its spill. */
  private ownLedger(): NoticeLedger | RedisLedger {
    const { state } = this.scope.config;
    return state.backend === 'redis'
      ? new RedisLedger(this.settings, state.redis, this.destinations, this.log, this.metrics, this.qpsShare)
      : new NoticeLedger(this.settings, this.destinations, this.log, this.metrics);
  }

  /** In a cluster primary, once every worker has stopped: delivers what it can within `drainTimeoutMs`, closes the journal. */
  stopPrimary(): Promise<void> {
    return this.stop();
  }

  /**
   * Takes in the auctions of the current batch at once; where the ledger is this process's, delivers what it can
   * within `notices.drainTimeoutMs` (the rest stays in the journal for the next start) and closes the journal.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.intake.flush();
      await this.handover;
      this.remote?.close();
      await this.owned?.stop();
      await this.destinations.close();
    })();
    return this.stopping;
  }

  /** Ready while the ledger's journal can be written (a worker: while its primary is there). */
  ready(): boolean | string {
    return this.ledger ? this.ledger.ready() : 'notice journal not open';
  }

  /**
   * Serving, but with Redis gone (`state.backend: redis`): notices spill meanwhile. Where the ledger is this process's,
   * from it; in a cluster worker, from the primary (asked once a second), so every worker's `/readyz` says so.
   */
  degraded(): string | undefined {
    if (this.remote) return this.remote.degraded();
    return this.owned instanceof RedisLedger ? this.owned.degraded() : undefined;
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
      // first: an auction's `nurl` is accepted before its `burl`.
      this.intake.flush();
      return this.onImpression(event);
    }
    this.events.click(event.claim);
  }

  /** Takes in a batch of auctions: their log lines, and their notices handed to the ledger together. */
  private takeIn(events: readonly AuctionNoticeEvent[]): void {
    const now = Date.now();
    const accepted: Notice[] = [];
    for (const event of events) this.onAuction(event, now, accepted);
    if (accepted.length === 0 || !this.ledger) return;
    const lost = (error: unknown) => this.log.error({ err: error, notices: accepted.length }, 'notices: could not hand the batch to the ledger; they are lost');
    try {
      this.handover = this.ledger.accept(accepted).catch(lost);
    } catch (error) {
      lost(error);
    }
  }

  /** One auction's log lines, and its notices (appended to `accepted`). */
  private onAuction(event: AuctionNoticeEvent, now: number, accepted: Notice[]): void {
    const { auctionId } = event.auction;
    const { noticesPerAuction, noticesPerBidder } = this.scope.config.limits;
    const { owed, unsent } = auctionNotices(event, (bidder) => this.pricing.get(bidder) ?? FALLBACK_PRICING, { perAuction: noticesPerAuction, perBidder: noticesPerBidder });
    if (unsent > 0) this.log.warn({ auctionId, unsent, perAuction: noticesPerAuction, perBidder: noticesPerBidder }, 'notices over limits.noticesPerAuction or noticesPerBidder not sent');
    for (const award of event.outcome.awards) {
      const nurl = typeof award.candidate.bid.nurl === 'string' && award.candidate.bid.nurl !== '';
      if (event.auction.pageDecides) this.events.offer(auctionId, award, nurl);
      else this.events.win(auctionId, award, nurl);
    }
    for (const loss of event.outcome.losses) this.events.loss(auctionId, loss, typeof loss.candidate.bid.lurl === 'string' && loss.candidate.bid.lurl !== '');
    for (const { kind, bidder, url } of owed) accepted.push(this.notice(kind, bidder, auctionId, url, now));
  }

  /** Bills the impression once: the ledger's claim (with the `burl` notice) is journaled before anything is fired. */
  private async onImpression(event: TrackerNoticeEvent): Promise<void> {
    const { claim } = event;
    const key = impressionKey(claim);
    let burl: Notice | undefined;
    if (claim.burl !== undefined) {
      const headers: Record<string, string> = {};
      if (event.client.ip) headers['x-forwarded-for'] = headers['x-device-ip'] = event.client.ip;
      if (event.client.userAgent) headers['x-device-user-agent'] = event.client.userAgent;
      const url = expandMacros(claim.burl, { AUCTION_IMP_TS: String(event.at) }, { urlEncode: true });
      burl = this.notice('burl', claim.bidder, claim.auctionId, url, Date.now(), headers);
    }
    if (!this.ledger) {
      this.log.error({ auctionId: claim.auctionId, bidder: claim.bidder }, 'notices: impression before start; not billed');
      return;
    }
    if (!(await this.ledger.claim(key, claim.expiresAt, burl))) {
      this.events.impression(claim, true);
      return;
    }
    this.events.impression(claim, false);
    this.events.billing(claim, burl !== undefined);
    // An offer the page decided on: rendering is its win, so its win notice goes now (after the billing's claim).
    if (claim.nurl !== undefined) await this.ledger.accept([this.notice('nurl', claim.bidder, claim.auctionId, claim.nurl, Date.now())]);
    noticeMetricsOf(this.metrics).recordBilling(claim.bidder);
  }

  private notice(kind: NoticeKind, bidder: string, auctionId: string, url: string, acceptedAt: number, headers?: Record<string, string>): Notice {
    const id = `${this.idPrefix}-${(this.nextId++).toString(36)}`;
    return headers && Object.keys(headers).length
      ? { id, kind, bidder, auctionId, url, acceptedAt, headers }
      : { id, kind, bidder, auctionId, url, acceptedAt };
  }
}
