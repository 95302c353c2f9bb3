import type { Logger } from 'pino';
import { TimedHookCall, type HookCall } from './hook-budget.js';
import type { StageName } from './stages.js';

/** Who a hook call belongs to: the tags every failure is logged and counted with. */
export interface HookCallTags {
  readonly plugin: string;
  readonly stage: StageName;
  readonly bidder?: string;
  readonly auctionId?: string;
}

/**
 * How a hook call ended: `error` (it threw, or returned what its stage does not take), `timeout` (asynchronous,
 * past its budget: dropped), `overrun` (synchronous, past its budget: its answer kept, since a blocking hook cannot
 * be pre-empted, but named and counted).
 */
export type HookOutcomeKind = 'success' | 'error' | 'timeout' | 'overrun';

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

/** A result check for one call: what is wrong with `result`, given the hook's `input`, or undefined. */
export type CallCheck<I> = (result: unknown, input: I) => string | undefined;

/**
 * The one wrapper every hook call goes through. It calls `hook(ctx, input, call)` with `budgetMs` to finish (`call`
 * tells the hook its deadline: {@link HookCall}), catches what it throws, checks what it returns (`check`: its
 * stage's contract), logs failures tagged with `{plugin, stage, bidder, auctionId}`, and records the outcome. A
 * failed, malformed or late hook yields `{ ok: false }`: the caller drops that plugin's contribution and carries
 * on. A hook that answers synchronously gets its outcome synchronously (no promise, no timer on the per-auction
 * path); one that blocked past its budget is logged and counted as `overrun`.
 */
export function runHook<C, I, R>(
  tags: HookCallTags,
  budgetMs: number,
  env: HookEnvironment,
  hook: (ctx: C, input: I, call: HookCall) => R | Promise<R>,
  ctx: C,
  input: I,
  check?: CallCheck<I>,
): MaybePromise<HookOutcome<R>> {
  let pending: R | Promise<R>;
  const started = performance.now();
  try {
    pending = hook(ctx, input, new TimedHookCall(started, budgetMs));
  } catch (error) {
    return failed(tags, budgetMs, env, error);
  }
  if (!isThenable(pending)) {
    const tookMs = performance.now() - started;
    if (tookMs > budgetMs) {
      env.log.warn({ ...tags, budgetMs, tookMs: Math.round(tookMs) }, 'plugin hook blocked the event loop past its budget');
    }
    return checked(tags, env, pending, input, check, tookMs > budgetMs ? 'overrun' : 'success');
  }
  return settleWithin(tags, budgetMs, env, pending, input, check);
}

/** A settled result against its stage's contract: kept (and counted as `kept`), or that plugin's failure. */
function checked<I, R>(tags: HookCallTags, env: HookEnvironment, result: R, input: I, check: CallCheck<I> | undefined, kept: HookOutcomeKind): HookOutcome<R> {
  const problem = check?.(result, input);
  if (problem !== undefined) {
    env.observe(tags, 'error');
    env.log.error({ ...tags, problem }, 'plugin hook returned what its stage does not take; its contribution is dropped');
    return { ok: false, outcome: 'error' };
  }
  env.observe(tags, kept);
  return { ok: true, result };
}

/** An asynchronous hook's outcome: its result, or a failure when it rejects or outlives `budgetMs`. */
async function settleWithin<I, R>(tags: HookCallTags, budgetMs: number, env: HookEnvironment, pending: Promise<R>, input: I, check?: CallCheck<I>): Promise<HookOutcome<R>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      pending,
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new HookTimeout()), Math.max(0, budgetMs));
      }),
    ]);
    return checked(tags, env, result, input, check, 'success');
  } catch (error) {
    return failed(tags, budgetMs, env, error);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function failed<R>(tags: HookCallTags, budgetMs: number, env: HookEnvironment, error: unknown): HookOutcome<R> {
  const outcome = isTimeout(error) ? 'timeout' : 'error';
  env.observe(tags, outcome);
  if (outcome === 'timeout') env.log.error({ ...tags, budgetMs }, 'plugin hook timed out; its contribution is dropped');
  else env.log.error({ ...tags, err: loggable(error) }, 'plugin hook failed; its contribution is dropped');
  return { ok: false, outcome };
}

/** Whether the failure is the budget's own timeout (`instanceof` itself can throw, on a hostile thrown Proxy). */
function isTimeout(error: unknown): boolean {
  try {
    return error instanceof HookTimeout;
  } catch {
    return false;
  }
}

/**
 * What a plugin threw, in a form the log can write: the error itself when its name, message and stack read as
 * strings; else what could be read (a thrown object whose getters throw must not break the logging of its failure).
 */
function loggable(error: unknown): unknown {
  try {
    if (error instanceof Error && typeof error.message === 'string' && typeof error.stack === 'string') return error;
    return { type: typeof error, message: String((error as { message?: unknown } | null)?.message ?? error) };
  } catch {
    return { type: typeof error, message: '(a thrown value whose properties cannot be read)' };
  }
}

/** Whether `value` is a promise (or any thenable) rather than a value. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
