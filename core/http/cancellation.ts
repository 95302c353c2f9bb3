import type { Dispatcher } from 'undici';

/**
 * Aborts a group of undici `dispatch` calls at once: the bidder calls of one auction at its deadline, or the
 * notice attempts in flight at shutdown. Cheaper than an `AbortSignal` listener per call (an `EventTarget`
 * per auction and a listener per bidder), which also warns past 10 listeners.
 */
export class Cancellation {
  private readonly live = new Set<Dispatcher.DispatchController>();
  private reason?: Error;

  /** Whether {@link cancel} was called. */
  get cancelled(): boolean {
    return this.reason !== undefined;
  }

  /** Aborts every call in flight and every later one. */
  cancel(reason = new Error('aborted: shutting down')): void {
    this.reason = reason;
    for (const controller of this.live) controller.abort(reason);
    this.live.clear();
  }

  /** @internal A call started: abort it now if cancelled, else remember it. */
  track(controller: Dispatcher.DispatchController): void {
    if (this.reason) controller.abort(this.reason);
    else this.live.add(controller);
  }

  /** @internal A call ended. */
  untrack(controller: Dispatcher.DispatchController | undefined): void {
    if (controller) this.live.delete(controller);
  }
}
