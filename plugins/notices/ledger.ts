import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ExchangeMetrics } from '../../core/index.js';
import { BilledImpressions } from './billed-impressions.js';
import type { NoticeDestinations } from './destinations.js';
import { NoticeJournal, type JournalRecord, type JournalState } from './journal.js';
import { ledgerDeliveryQueue } from './ledger-delivery.js';
import type { Notice } from './notice.js';
import { noticeMetricsOf, type NoticeMetrics } from './notice-metrics.js';
import type { DeliveryQueue } from './queue.js';
import type { NoticesSettings } from './settings.js';

/** How often expired billed impressions are forgotten. */
const PRUNE_EVERY_MS = 60_000;
/** The journal folders of worker slots, as exchanges before the shared ledger kept them: adopted at start. */
const LEGACY_WORKER_FOLDER = /^worker-\d+$/;

/**
 * What the notices plugin needs of the state an exchange's processes share: the billed set and the notices owed.
 * The {@link NoticeLedger} (one machine) or the `RedisLedger` (a fleet) is it in the process that owns them; a
 * cluster worker reaches the primary's through the cluster channel (`RemoteLedger`).
 */
export interface Ledger {
  /**
   * Accepts notices: journaled, then delivered. They are owed from the moment the journal write is done. Resolves
   * once they are handed over (to the queue, or to the process that owns the ledger).
   */
  accept(notices: readonly Notice[]): Promise<void>;
  /**
   * Claims the billing of an impression: `true` the first time (its `burl` notice, if any, accepted with the claim
   * in one journal record, written, and fsynced under `fsyncBilling`, before this resolves), `false` for every
   * later hit until `expiresAt`.
   */
  claim(key: string, expiresAt: number, burl: Notice | undefined): Promise<boolean>;
  /** `true`, or why accepted notices would not be durable now (`GET /readyz`). */
  ready(): boolean | string;
}

/**
 * The billed impressions and the notices owed, with their journal and their delivery: one per machine (the only
 * process, or a cluster's primary), so a duplicate impression hit bills once whichever worker takes it.
 */
export class NoticeLedger implements Ledger {
  /** Notices accepted and neither delivered nor given up: what a journal compaction keeps. */
  private readonly owed = new Map<string, Notice>();
  private billed = new BilledImpressions();
  private journal?: NoticeJournal;
  private queue?: DeliveryQueue;
  private pruner?: NodeJS.Timeout;
  /** The last batch's hand-over to the queue, which follows its journal write: what a stop waits for. */
  private handover: Promise<void> = Promise.resolve();
  private readonly counts: NoticeMetrics;

  constructor(
    private readonly settings: NoticesSettings,
    private readonly destinations: NoticeDestinations,
    private readonly log: Logger,
    private readonly metrics: ExchangeMetrics,
  ) {
    this.counts = noticeMetricsOf(metrics);
  }

  /**
   * Opens the journal (replaying it) and resumes delivering what it still owes. With `adoptWorkerJournals`, the
   * journals that worker slots kept in `journalDir/worker-N` before (an exchange of an earlier version) are
   * taken over first: their owed notices and billed impressions go into this journal, then their files go.
   */
  async start(adoptWorkerJournals = false): Promise<void> {
    const adopted = adoptWorkerJournals ? await this.openWorkerJournals() : [];
    const { journal, state } = await NoticeJournal.open(this.settings.journalDir, this.log, (replayed) => {
      for (const { state: legacy } of adopted) merge(replayed, legacy);
      for (const notice of replayed.pending.values()) this.owe(notice);
      this.billed = new BilledImpressions(replayed.billed);
      return () => this.liveRecords();
    });
    // This journal's snapshot, written and fsynced, holds what the old ones did: they can go.
    for (const old of adopted) await old.journal.retire();
    if (adopted.length) this.log.info({ folders: adopted.map(({ dir }) => dir) }, 'notices: took over the journals of worker slots');
    this.journal = journal;
    this.queue = ledgerDeliveryQueue(this.settings, this.destinations, this.log, this.metrics, {
      delivered: (notice) => {
        this.settle(notice);
        void this.journal?.delivered(notice.id);
      },
      gaveUp: (notice, reason) => {
        this.settle(notice);
        void this.write({ t: 'x', id: notice.id, why: reason });
      },
    });
    this.pruner = setInterval(() => this.billed.prune(Date.now()), PRUNE_EVERY_MS);
    this.pruner.unref();
    if (state.pending.size) this.log.info({ pending: state.pending.size, billed: state.billed.size }, 'notices: resuming delivery of notices owed from the journal');
    for (const notice of state.pending.values()) this.queue.add(notice);
  }

  /** Delivers what it can within `notices.drainTimeoutMs`, the rest staying in the journal for the next start; closes the journal. */
  async stop(): Promise<void> {
    clearInterval(this.pruner);
    await this.handover;
    const owedBefore = this.owed.size;
    await this.queue?.drain(this.settings.drainTimeoutMs);
    if (this.owed.size) this.log.info({ owed: this.owed.size, delivered: owedBefore - this.owed.size }, 'notices: left in the journal for the next start');
    await this.journal?.close();
  }

  /** Ready while the journal can be written: a notice accepted now would not be durable otherwise. */
  ready(): boolean | string {
    return this.journal ? this.journal.writable() : 'notice journal not open';
  }

  /**
   * Group commit: the batch's notices owed and journaled in one write, and only once that write is done handed to
   * the queue. A notice is never sent before its `n` record is written.
   */
  accept(notices: readonly Notice[]): Promise<void> {
    if (notices.length === 0) return this.handover;
    for (const notice of notices) {
      this.owe(notice);
      void this.write({ t: 'n', ...notice });
    }
    const committed = this.journal ? this.journal.commit() : Promise.resolve(false);
    this.handover = committed.then(() => {
      for (const notice of notices) this.dispatch(notice);
    });
    return this.handover;
  }

  /** Bills the impression once: the claim (with its `burl`) is journaled before anything is fired or answered. */
  async claim(key: string, expiresAt: number, burl: Notice | undefined): Promise<boolean> {
    if (!this.billed.claim(key, expiresAt)) return false;
    const durable = this.settings.fsyncBilling;
    if (burl === undefined) {
      await this.write({ t: 'b', key, exp: expiresAt }, durable);
      return true;
    }
    this.owe(burl);
    await this.write(Object.assign({ t: 'n' as const }, burl, { bill: key, billExp: expiresAt }), durable);
    this.dispatch(burl);
    return true;
  }

  /** Opens (locks and replays) every `worker-N` journal folder under the journal directory. */
  private async openWorkerJournals(): Promise<Array<{ dir: string; journal: NoticeJournal; state: JournalState }>> {
    let names: string[];
    try {
      names = readdirSync(this.settings.journalDir).filter((name) => LEGACY_WORKER_FOLDER.test(name));
    } catch {
      return [];
    }
    const opened = [];
    for (const name of names) {
      const dir = path.join(this.settings.journalDir, name);
      let kept: JournalState | undefined;
      const { journal, state } = await NoticeJournal.open(dir, this.log, (replayed) => {
        kept = replayed;
        return () => recordsOf(kept!);
      });
      opened.push({ dir, journal, state });
    }
    return opened;
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
    this.counts.notePending(notice.kind, 1);
  }

  /** The notice is no longer owed: delivered or given up. */
  private settle(notice: Notice): void {
    if (this.owed.delete(notice.id)) this.counts.notePending(notice.kind, -1);
  }

  /** Gives a notice up: journaled as such, counted as `failed`. */
  private finish(notice: Notice, record: JournalRecord, report: () => void): void {
    this.settle(notice);
    this.counts.recordNotice(notice.kind, 'failed');
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

/** Adds `from`'s owed notices and billed impressions to `into` (a notice or impression in both is kept once). */
function merge(into: JournalState, from: JournalState): void {
  for (const [id, notice] of from.pending) if (!into.pending.has(id)) into.pending.set(id, notice);
  for (const [key, exp] of from.billed) into.billed.set(key, Math.max(exp, into.billed.get(key) ?? 0));
}

/** A journal state as the records a compaction writes. */
function* recordsOf(state: JournalState): Iterable<JournalRecord> {
  for (const [key, exp] of state.billed) yield { t: 'b', key, exp };
  for (const notice of state.pending.values()) yield { t: 'n', ...notice };
}
