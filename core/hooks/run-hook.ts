import type { Logger } from 'pino';
import type { StageName } from './stages.js';

/** Who a hook call belongs to: the tags every failure is logged and counted with. */
export interface HookCallTags {
  readonly plugin: string;
  readonly stage: StageName;
  readonly bidder?: string;
  readonly auctionId?: string;
}

/** How a hook call ended. */
export type HookOutcomeKind = 'success' | 'error' | 'timeout';

/** Told of every hook call's outcome (metrics). */
export type HookObserver = (tags: HookCallTags, outcome: HookOutcomeKind) => void;

/** A hook call's result, or the failure that cost the plugin its contribution. */
export type HookOutcome<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly outcome: 'error' | 'timeout' };

/** Where hook calls report: the log for failures, the observer for every outcome. */
export interface HookEnvironment {
  readonly log: Logger;
  readonly observe: HookObserver;
}

class HookTimeout extends Error {}

/** A value now, or later. The runners stay synchronous while every hook answers synchronously. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The one wrapper every hook call goes through. It gives the hook `budgetMs` to finish, catches what it
 * throws, logs failures tagged with `{plugin, stage, bidder, auctionId}`, and records the outcome. A failed
 * or late hook yields `{ ok: false }`: the caller drops that plugin's contribution and carries on. A hook
 * that answers synchronously gets its outcome synchronously (no promise, no timer on the per-auction path).
 */
export function runHook<R>(
  tags: HookCallTags,
  budgetMs: number,
  env: HookEnvironment,
  invoke: () => R | Promise<R>,
): MaybePromise<HookOutcome<R>> {
  let pending: R | Promise<R>;
  try {
    pending = invoke();
  } catch (error) {
    return failed(tags, budgetMs, env, error);
  }
  if (!isThenable(pending)) {
    env.observe(tags, 'success');
    return { ok: true, result: pending };
  }
  return settleWithin(tags, budgetMs, env, pending);
}

/** An asynchronous hook's outcome: its result, or a failure when it rejects or outlives `budgetMs`. */
async function settleWithin<R>(tags: HookCallTags, budgetMs: number, env: HookEnvironment, pending: Promise<R>): Promise<HookOutcome<R>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      pending,
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new HookTimeout()), Math.max(0, budgetMs));
      }),
    ]);
    env.observe(tags, 'success');
    return { ok: true, result };
  } catch (error) {
    return failed(tags, budgetMs, env, error);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function failed<R>(tags: HookCallTags, budgetMs: number, env: HookEnvironment, error: unknown): HookOutcome<R> {
  const outcome = error instanceof HookTimeout ? 'timeout' : 'error';
  env.observe(tags, outcome);
  if (outcome === 'timeout') env.log.error({ ...tags, budgetMs }, 'plugin hook timed out; its contribution is dropped');
  else env.log.error({ ...tags, err: error }, 'plugin hook failed; its contribution is dropped');
  return { ok: false, outcome };
}

/** Whether `value` is a promise (or any thenable) rather than a value. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
