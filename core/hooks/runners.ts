import type { Reject } from './results.js';
import type { HookEntry } from './hook-plan.js';
import { runHook, type HookEnvironment } from './run-hook.js';
import type { StageContracts, StageName } from './stages.js';

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
  return runHook(tags, options.budgetMs, options.env, () => entry.hook(ctx, input));
}

/** `waterfall`: each hook may replace the value; the next hook sees the replacement. Returns the final value. */
export async function runWaterfall<S extends 'requestBuild' | 'admRewrite'>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions,
): Promise<In<S>> {
  let value = input;
  for (const entry of entries) {
    const outcome = await call(stage, entry, ctx, value, options);
    if (outcome.ok && outcome.result.action === 'update') value = outcome.result.value as In<S>;
  }
  return value;
}

/** `bail`: hooks run in order until one rejects. Returns that rejection, or null when every hook passed. */
export async function runBail<S extends 'bidValidate'>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions,
): Promise<Reject | null> {
  for (const entry of entries) {
    const outcome = await call(stage, entry, ctx, input, options);
    if (outcome.ok && outcome.result.action === 'reject') return outcome.result;
  }
  return null;
}

/** `first`: hooks run in order until one gives an answer. Returns it, or undefined when none did. */
export async function runFirst<S extends 'auction' | 'sync'>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions,
): Promise<Out<S> | undefined> {
  for (const entry of entries) {
    const outcome = await call(stage, entry, ctx, input, options);
    if (outcome.ok && outcome.result.action === 'update') return outcome.result.value as Out<S>;
  }
  return undefined;
}

/** `parallel`: every hook runs at once; results are ignored and failures are logged by the wrapper. */
export async function runParallel<S extends 'notices'>(
  stage: S, entries: readonly HookEntry<S>[], ctx: Ctx<S>, input: In<S>, options: RunOptions,
): Promise<void> {
  await Promise.all(entries.map((entry) => call(stage, entry, ctx, input, options)));
}
