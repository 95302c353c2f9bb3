import { Cancellation } from '../../core/index.js';
import type { AttemptResult } from './delivery.js';
import type { Notice } from './notice.js';
import { nextRetryDelay, type RetryPolicy } from './retry-policy.js';

/** What the queue calls: one attempt, and the news of each notice's end. */
export interface QueueHandlers {
  /** Makes one attempt; never throws. `cancellation` is cancelled when a drain runs out of time. */
  attempt(notice: Notice, cancellation: Cancellation): Promise<AttemptResult>;
  /** The notice was delivered (2xx) on attempt `attempts`. */
  delivered(notice: Notice, attempts: number, status: number): void;
  /**
   * An attempt failed. `retryInMs` is null when there is no retry in this process: the notice is given up
   * (`gaveUp` follows), or the queue is draining for shutdown (the notice stays owed, for the next start).
   */
  failed(notice: Notice, attempts: number, reason: string, retryInMs: number | null): void;
  /** The notice will never be delivered: attempts or age exhausted. */
  gaveUp(notice: Notice, attempts: number, reason: string): void;
}

/** One bidder's lane: notices ready to go, in order, and how many are in flight. */
interface Lane {
  ready: Notice[];
  head: number;
  active: number;
}

/**
 * The delivery queue: per-bidder lanes, each with at most `concurrencyPerBidder` notices in flight (one slow
 * bidder never holds up another's notices), retries with backoff within {@link RetryPolicy}, and a bounded
 * drain for shutdown. It keeps no record itself: the plugin journals each notice before or as it is added.
 */
export class DeliveryQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly attempts = new Map<string, number>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly cancellation = new Cancellation();
  private inFlight = 0;
  private stopping = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly policy: RetryPolicy,
    private readonly concurrencyPerBidder: number,
    private readonly handlers: QueueHandlers,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues a notice for its first attempt (a replayed notice past its age is given up at once). */
  add(notice: Notice): void {
    if (this.stopping) return;
    if (this.now() - notice.acceptedAt > this.policy.maxAgeMs) {
      this.handlers.gaveUp(notice, 0, `older than notices.maxAgeMs (${this.policy.maxAgeMs} ms)`);
      return;
    }
    this.enqueue(notice);
  }

  /** Notices waiting for a retry or a free slot, and in flight. */
  get size(): number {
    let ready = 0;
    for (const lane of this.lanes.values()) ready += lane.ready.length - lane.head;
    return ready + this.inFlight + this.retries.size;
  }

  /**
   * Stops taking notices and scheduling retries, keeps delivering what is ready or in flight for up to
   * `timeoutMs`, then aborts what is still in flight. What is not delivered stays in the journal for the next
   * start. Resolves when nothing is in flight any more.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    if (!this.busy()) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    if (this.inFlight > 0) {
      for (const lane of this.lanes.values()) lane.ready.length = lane.head = 0;
      this.cancellation.cancel();
      await this.whenIdle();
    }
  }

  private enqueue(notice: Notice): void {
    let lane = this.lanes.get(notice.bidder);
    if (!lane) {
      lane = { ready: [], head: 0, active: 0 };
      this.lanes.set(notice.bidder, lane);
    }
    lane.ready.push(notice);
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    while (lane.active < this.concurrencyPerBidder && lane.head < lane.ready.length) {
      const notice = lane.ready[lane.head++];
      if (lane.head > 1024 && lane.head * 2 > lane.ready.length) {
        lane.ready = lane.ready.slice(lane.head);
        lane.head = 0;
      }
      lane.active++;
      this.inFlight++;
      void this.run(lane, notice);
    }
    if (!this.busy()) this.settleIdle();
  }

  private async run(lane: Lane, notice: Notice): Promise<void> {
    const result = await this.handlers.attempt(notice, this.cancellation);
    const attempts = (this.attempts.get(notice.id) ?? 0) + 1;
    lane.active--;
    this.inFlight--;
    if (result.ok) {
      this.attempts.delete(notice.id);
      this.handlers.delivered(notice, attempts, result.status);
    } else if (result.final) {
      this.attempts.delete(notice.id);
      this.handlers.failed(notice, attempts, result.reason, null);
      this.handlers.gaveUp(notice, attempts, result.reason);
    } else if (this.stopping) {
      // Left in the journal: the next start delivers it.
      this.attempts.delete(notice.id);
      this.handlers.failed(notice, attempts, result.reason, null);
    } else {
      const delay = nextRetryDelay(this.policy, attempts, notice.acceptedAt, this.now());
      this.handlers.failed(notice, attempts, result.reason, delay);
      if (delay === null) {
        this.attempts.delete(notice.id);
        this.handlers.gaveUp(notice, attempts, result.reason);
      } else {
        this.attempts.set(notice.id, attempts);
        const timer = setTimeout(() => {
          this.retries.delete(notice.id);
          this.enqueue(notice);
        }, delay);
        timer.unref();
        this.retries.set(notice.id, timer);
      }
    }
    this.pump(lane);
  }

  private busy(): boolean {
    if (this.inFlight > 0) return true;
    for (const lane of this.lanes.values()) if (lane.head < lane.ready.length) return true;
    return false;
  }

  private whenIdle(): Promise<void> {
    return this.busy() ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  private settleIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
