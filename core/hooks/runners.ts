import type { Reject } from './results.js';
import type { HookEntry } from './hook-plan.js';
import { RESULT_CHECKS, type ResultCheck } from './result-checks.js';
import { isThenable, runHook, type HookEnvironment, type HookOutcome, type MaybePromise } from './run-hook.js';
import type { StageContracts, StageName, StagesOfKind } from './stages.js';

/** Per-call facts every runner needs: the tags for failures and the time each hook may take. */
export interface RunOptions {
  readonly env: HookEnvironment;
  readonly budgetMs: number;
  readonly bidder?: string;
  readonly auctionId?: string;
}

type Ctx<S extends StageName> = StageContracts[S]['ctx'];
type In<S extends StageName> = StageContracts[S]['input'];
type Out<S extends StageName> = Extract<StageContracts[S]['result'], { action: 'update' }> extends { value: infer V } ? V : never;

function call<S extends StageName>(stage: S, entry: HookEntry<S>, ctx: Ctx<S>, input: In<S>, options: RunOptions) {
  const tags = { plugin: entry.plugin, stage, bidder: options.bidder, auctionId: options.auctionId };
  return runHook(tags, options.budgetMs, options.env, entry.hook, ctx, input, RESULT_CHECKS[stage] as ResultCheck<S> | undefined);
}

// Each runner walks its hooks synchronously while they answer synchronously, and continues from the first
// asynchronous answer on (the common per-auction hooks are synchronous: no promise is made for them).

/** `waterfall`: each hook may replace the value; the next hook sees the replacement. Returns the final value. */
export function runWaterfall<S extends StagesOfKind<'waterfall'>>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions, from = 0,
): MaybePromise<In<S>> {
  let value = input;
  for (let i = from; i < entries.length; i++) {
    const outcome = call(stage, entries[i]!, ctx, value, options);
    if (isThenable(outcome)) {
      const before = value;
      return outcome.then((settled) => runWaterfall(stage, entries, ctx, updated(settled, before), options, i + 1));
    }
    value = updated(outcome, value);
  }
  return value;
}

/** `bail`: hooks run in order until one rejects. Returns that rejection, or null when every hook passed. */
export function runBail<S extends StagesOfKind<'bail'>>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions, from = 0,
): MaybePromise<Reject | null> {
  for (let i = from; i < entries.length; i++) {
    const outcome = call(stage, entries[i]!, ctx, input, options);
    if (isThenable(outcome)) return outcome.then((settled) => rejection(settled) ?? runBail(stage, entries, ctx, input, options, i + 1));
    const rejected = rejection(outcome);
    if (rejected) return rejected;
  }
  return null;
}

/** `first`: hooks run in order until one gives an answer. Returns it, or undefined when none did. */
export function runFirst<S extends StagesOfKind<'first'>>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions, from = 0,
): MaybePromise<Out<S> | undefined> {
  for (let i = from; i < entries.length; i++) {
    const outcome = call(stage, entries[i]!, ctx, input, options);
    if (isThenable(outcome)) return outcome.then((settled) => answer<S>(settled) ?? runFirst(stage, entries, ctx, input, options, i + 1));
    const answered = answer<S>(outcome);
    if (answered !== undefined) return answered;
  }
  return undefined;
}

/** `parallel`: every hook runs at once; results are ignored and failures are logged by the wrapper. */
export function runParallel<S extends StagesOfKind<'parallel'>>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions,
): MaybePromise<void> {
  const pending: PromiseLike<unknown>[] = [];
  for (const entry of entries) {
    const outcome = call(stage, entry, ctx, input, options);
    if (isThenable(outcome)) pending.push(outcome);
  }
  if (pending.length > 0) return Promise.all(pending).then(() => undefined);
}

/** The value after one waterfall hook: its update, or the value unchanged. */
function updated<T>(outcome: HookOutcome<{ action: string; value?: unknown }>, value: T): T {
  return outcome.ok && outcome.result.action === 'update' ? (outcome.result.value as T) : value;
}

/** A bail hook's rejection, or null. */
function rejection(outcome: HookOutcome<{ action: string }>): Reject | null {
  return outcome.ok && outcome.result.action === 'reject' ? (outcome.result as Reject) : null;
}

/** A first hook's answer, or undefined. */
function answer<S extends StageName>(outcome: HookOutcome<{ action: string; value?: unknown }>): Out<S> | undefined {
  return outcome.ok && outcome.result.action === 'update' ? (outcome.result.value as Out<S>) : undefined;
}
