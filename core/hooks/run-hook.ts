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

/**
 * The one wrapper every hook call goes through. It gives the hook `budgetMs` to finish, catches what it
 * throws, logs failures tagged with `{plugin, stage, bidder, auctionId}`, and records the outcome. A failed
 * or late hook yields `{ ok: false }`: the caller drops that plugin's contribution and carries on.
 */
export async function runHook<R>(
  tags: HookCallTags,
  budgetMs: number,
  env: HookEnvironment,
  invoke: () => R | Promise<R>,
): Promise<HookOutcome<R>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const pending = invoke();
    const result = isThenable(pending)
      ? await Promise.race([
          pending,
          new Promise<never>((_, fail) => {
            timer = setTimeout(() => fail(new HookTimeout()), Math.max(0, budgetMs));
          }),
        ])
      : pending;
    env.observe(tags, 'success');
    return { ok: true, result };
  } catch (error) {
    const outcome = error instanceof HookTimeout ? 'timeout' : 'error';
    env.observe(tags, outcome);
    if (outcome === 'timeout') env.log.error({ ...tags, budgetMs }, 'plugin hook timed out; its contribution is dropped');
    else env.log.error({ ...tags, err: error }, 'plugin hook failed; its contribution is dropped');
    return { ok: false, outcome };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function isThenable<R>(value: R | Promise<R>): value is Promise<R> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
