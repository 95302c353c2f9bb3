import type { Dispatcher } from 'undici';

/**
 * The time limit of every delivery attempt in flight (`notices.timeoutMs`), kept by one timer: attempts are
 * checked every `resolutionMs` (a tenth of the limit, between 10 and 500 ms) and those older than the limit
 * aborted, so an attempt ends between `timeoutMs` and `timeoutMs + resolutionMs` after it was sent. Undici's own
 * `headersTimeout` / `bodyTimeout` would arm and re-arm two timers per request, a noticeable share of a notice's
 * CPU at thousands of notices per second. The timer runs only while attempts are in flight.
 */
export class AttemptDeadlines {
  /** Attempts in flight → when each was sent (`performance.now()`), oldest first (insertion order). */
  private readonly live = new Map<Dispatcher.DispatchController, number>();
  private timer?: NodeJS.Timeout;
  private readonly resolutionMs: number;

  constructor(
    /** One attempt's time limit. */
    readonly timeoutMs: number,
  ) {
    this.resolutionMs = Math.min(500, Math.max(10, Math.round(timeoutMs / 10)));
  }

  /** An attempt was sent: its time limit runs from now. */
  track(controller: Dispatcher.DispatchController): void {
    this.live.set(controller, performance.now());
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.resolutionMs);
      this.timer.unref();
    }
  }

  /** An attempt ended. */
  untrack(controller: Dispatcher.DispatchController | undefined): void {
    if (controller) this.live.delete(controller);
  }

  /** Attempts in flight. */
  get size(): number {
    return this.live.size;
  }

  /** Aborts the attempts past their limit; stops the timer when none is left in flight. */
  private sweep(): void {
    const expired = performance.now() - this.timeoutMs;
    for (const [controller, sentAt] of this.live) {
      // Same limit for all, tracked in sending order: the first one still in time ends the sweep.
      if (sentAt > expired) break;
      this.live.delete(controller);
      controller.abort(Object.assign(new Error(`no answer within notices.timeoutMs (${this.timeoutMs} ms)`), { code: 'NOTICE_TIMEOUT' }));
    }
    if (this.live.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
