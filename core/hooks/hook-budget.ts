/**
 * How long a hook call may take: the one place for the rules. Each call gets a budget (`hooks.timeoutMs`, bounded
 * as below); the hook wrapper drops a call that outlives it, and the hook itself is told a deadline a margin before
 * that ({@link HookCall}), so that I/O it cuts short there still ends in its own answer rather than in a dropped one.
 */

/** What a hook is told of its own call (its third argument): when it must be done, and a signal that says so. */
export interface HookCall {
  /** When the hook must have answered, on the `performance.now()` clock: a margin before the wrapper gives up. */
  readonly deadline: number;
  /** Aborts at {@link deadline}: pass it to the I/O a hook does (fetches). Made when first read. */
  readonly signal: AbortSignal;
}

/** The budget of a per-auction hook: `hooks.timeoutMs`, never past the auction's deadline; once that has passed (a winner's rewrite), all of it. */
export function auctionHookBudget(timeoutMs: number, auctionDeadline: number, now = performance.now()): number {
  const remaining = auctionDeadline - now;
  return Math.max(1, Math.min(timeoutMs, remaining > 0 ? remaining : timeoutMs));
}

/** The budget of a tracker hit's hooks: at least 1 s, since a billing is journaled (and fsynced) before the pixel is answered, and no page waits on a pixel. */
export function trackerHookBudget(timeoutMs: number): number {
  return Math.max(timeoutMs, 1_000);
}

/** The budget of a sync request's hooks (`GET /sync`, a tag auction's `identify`). */
export function syncHookBudget(timeoutMs: number): number {
  return timeoutMs;
}

/** The part of a budget a hook is not told of: a tenth, at least 5 ms (at most the whole budget). */
function marginOf(budgetMs: number): number {
  return Math.min(budgetMs, Math.max(5, budgetMs / 10));
}

/** A {@link HookCall} started at `started` with `budgetMs`; its signal is made only when a hook reads it. */
export class TimedHookCall implements HookCall {
  readonly deadline: number;
  private made: AbortSignal | undefined;

  constructor(started: number, budgetMs: number) {
    this.deadline = started + budgetMs - marginOf(budgetMs);
  }

  get signal(): AbortSignal {
    return (this.made ??= AbortSignal.timeout(Math.max(0, Math.floor(this.deadline - performance.now()))));
  }
}
