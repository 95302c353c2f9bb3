import { describe, expect, it } from 'vitest';
import { LogCapture } from '../testing/index.js';
import type { HookEntry } from './hook-plan.js';
import { planForBidder, planStages } from './hook-plan.js';
import { noop, reject, update } from './results.js';
import type { HookCallTags, HookOutcomeKind } from './run-hook.js';
import { runBail, runFirst, runParallel, runWaterfall, type RunOptions } from './runners.js';
import type { StageName } from './stages.js';

function rig(budgetMs = 50) {
  const logs = new LogCapture();
  const outcomes: Array<[string, HookOutcomeKind]> = [];
  const options: RunOptions = {
    env: { log: logs.log, observe: (tags: HookCallTags, outcome) => outcomes.push([tags.plugin, outcome]) },
    budgetMs,
    bidder: 'dsp-a',
    auctionId: 'auction-1',
  };
  return { logs, outcomes, options };
}

const entry = <S extends StageName>(plugin: string, hook: HookEntry<S>['hook']): HookEntry<S> => ({ plugin, hook });
/** A request's imps: an update to a request without any is refused by the stage's contract. */
const IMPS = [{ id: '1', banner: {} }];
// The runners only pass the context through; these tests do not read it.
const ctx = {} as never;

describe('hook runners', () => {
  it('waterfall: runs in config order, each hook sees the previous replacement', async () => {
    const { options } = rig();
    const calls: string[] = [];
    const result = await runWaterfall('requestBuild', [
      entry('a', (_c, req) => (calls.push(`a:${req.id}`), update({ ...req, id: `${req.id}+a` }))),
      entry('b', (_c, req) => (calls.push(`b:${req.id}`), noop())),
      entry('c', async (_c, req) => (calls.push(`c:${req.id}`), update({ ...req, id: `${req.id}+c` }))),
    ], ctx, { id: 'r', imp: IMPS }, options);
    expect(calls).toEqual(['a:r', 'b:r+a', 'c:r+a']);
    expect(result.id).toBe('r+a+c');
  });

  it('bail: the first rejection wins and later hooks do not run', async () => {
    const { options } = rig();
    const calls: string[] = [];
    const verdict = await runBail('bidValidate', [
      entry('a', () => (calls.push('a'), noop())),
      entry('b', () => (calls.push('b'), reject(210, 'attribute'))),
      entry('c', () => (calls.push('c'), reject(3, 'never'))),
    ], ctx, {} as never, options);
    expect(calls).toEqual(['a', 'b']);
    expect(verdict).toEqual({ action: 'reject', code: 210, reason: 'attribute' });
  });

  it('bail: no rejection gives null', async () => {
    const { options } = rig();
    expect(await runBail('bidValidate', [entry('a', () => noop())], ctx, {} as never, options)).toBeNull();
  });

  it('first: the first answer wins; a noop passes to the next', async () => {
    const { options } = rig();
    const calls: string[] = [];
    const outcome = { awards: [], losses: [] };
    const answer = await runFirst('auction', [
      entry('custom', () => (calls.push('custom'), noop())),
      entry('second-price', () => (calls.push('second-price'), update(outcome))),
      entry('first-price', () => (calls.push('first-price'), update({ awards: [], losses: [] }))),
    ], ctx, { candidates: [] }, options);
    expect(calls).toEqual(['custom', 'second-price']);
    expect(answer).toBe(outcome);
  });

  it('parallel: every hook runs even when one fails', async () => {
    const { options, outcomes } = rig();
    const calls: string[] = [];
    await runParallel('notices', [
      entry('a', () => void calls.push('a')),
      entry('b', () => {
        throw new Error('boom');
      }),
      entry('c', async () => void calls.push('c')),
    ], ctx, {} as never, options);
    expect(calls).toEqual(['a', 'c']);
    expect(outcomes).toHaveLength(3);
    expect(outcomes).toEqual(expect.arrayContaining([['a', 'success'], ['b', 'error'], ['c', 'success']]));
  });

  it('a throwing hook costs only its own contribution, logged with plugin, stage, bidder and auction id', async () => {
    const { options, logs, outcomes } = rig();
    const result = await runWaterfall('requestBuild', [
      entry('good', (_c, req) => update({ ...req, tmax: 100 })),
      entry('broken', () => {
        throw new Error('plugin bug');
      }),
      entry('later', (_c, req) => update({ ...req, test: 1 as const })),
    ], ctx, { id: 'r', imp: IMPS }, options);
    expect(result).toEqual({ id: 'r', imp: IMPS, tmax: 100, test: 1 });
    const [line] = logs.withMessage('plugin hook failed; its contribution is dropped');
    expect(line).toMatchObject({ plugin: 'broken', stage: 'requestBuild', bidder: 'dsp-a', auctionId: 'auction-1' });
    expect(outcomes).toEqual([['good', 'success'], ['broken', 'error'], ['later', 'success']]);
  });

  it('a hanging hook is cut off at its budget and the stage carries on', async () => {
    const { options, logs, outcomes } = rig(20);
    const verdict = await runBail('bidValidate', [
      entry('hangs', () => new Promise(() => undefined)),
      entry('rejects', () => reject(7, 'no markup')),
    ], ctx, {} as never, options);
    expect(verdict?.code).toBe(7);
    expect(outcomes).toEqual([['hangs', 'timeout'], ['rejects', 'success']]);
    expect(logs.withMessage('plugin hook timed out; its contribution is dropped')[0]).toMatchObject({ plugin: 'hangs', stage: 'bidValidate', budgetMs: 20 });
  });

  it('a hook returning a rejected promise is an error, not a crash', async () => {
    const { options, outcomes } = rig();
    const answer = await runFirst('auction', [entry('async-broken', async () => Promise.reject(new Error('nope')))], ctx, { candidates: [] }, options);
    expect(answer).toBeUndefined();
    expect(outcomes).toEqual([['async-broken', 'error']]);
  });
});

describe('hook runners, synchronous and asynchronous hooks mixed', () => {
  it('answer synchronously while every hook does (no promise on the per-auction path)', () => {
    const { options, outcomes } = rig();
    const value = runWaterfall('requestBuild', [entry('a', (_c, r) => update({ ...r, id: `${r.id}+a` })), entry('b', (_c, r) => update({ ...r, id: `${r.id}+b` }))], ctx, { id: 'r', imp: IMPS }, options);
    expect(value).toEqual({ id: 'r+a+b', imp: IMPS });
    expect(runBail('bidValidate', [entry('v', () => noop()), entry('w', () => reject(100, 'low'))], ctx, {} as never, options)).toEqual(reject(100, 'low'));
    expect(runFirst('auction', [entry('none', () => noop()), entry('one', () => update({ awards: [], losses: [] }))], ctx, { candidates: [] }, options)).toEqual({ awards: [], losses: [] });
    expect(runParallel('notices', [entry('n', () => undefined)], ctx, {} as never, options)).toBeUndefined();
    expect(outcomes.map(([plugin]) => plugin)).toEqual(['a', 'b', 'v', 'w', 'none', 'one', 'n']);
  });

  it('continue in order after an asynchronous hook, each seeing the value before it', async () => {
    const { options } = rig();
    const seen: string[] = [];
    const step = (name: string, delay: boolean) => entry<'requestBuild'>(name, (_c, r) => {
      seen.push(`${name} saw ${r.id}`);
      const next = update({ ...r, id: `${r.id}+${name}` });
      return delay ? new Promise((resolve) => setTimeout(() => resolve(next), 5)) : next;
    });
    const pending = runWaterfall('requestBuild', [step('a', false), step('b', true), step('c', false), step('d', true)], ctx, { id: 'r', imp: IMPS }, options);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual({ id: 'r+a+b+c+d', imp: IMPS });
    expect(seen).toEqual(['a saw r', 'b saw r+a', 'c saw r+a+b', 'd saw r+a+b+c']);
    const verdict = await runBail('bidValidate', [entry('async-pass', async () => noop()), entry('sync-reject', () => reject(205, 'no')), entry('never', () => reject(1, 'x'))], ctx, {} as never, options);
    expect(verdict).toEqual(reject(205, 'no'));
  });
});

describe('stage plan', () => {
  it('keeps config order per stage and restricts hooks to their bidders', () => {
    const plan = planStages([
      { name: 'v1', instance: { bidValidate: () => noop() } },
      { name: 'only-b', instance: { bidValidate: () => noop(), requestBuild: () => noop() }, bidders: ['b'] },
      { name: 'v2', instance: { bidValidate: () => noop(), notices: () => undefined } },
    ]);
    expect(plan.bidValidate.map((e) => e.plugin)).toEqual(['v1', 'only-b', 'v2']);
    expect(plan.notices.map((e) => e.plugin)).toEqual(['v2']);
    expect(plan.auction).toEqual([]);
    expect(planForBidder(plan, 'a').bidValidate.map((e) => e.plugin)).toEqual(['v1', 'v2']);
    expect(planForBidder(plan, 'b').requestBuild.map((e) => e.plugin)).toEqual(['only-b']);
  });
});

describe('what a hook is told of its call', () => {
  it('its deadline falls a margin before the wrapper gives up, and its signal aborts there, so its I/O ends in its own answer', async () => {
    const { options, outcomes } = rig(100);
    const started = performance.now();
    let told: { deadline: number; aborted: boolean } | undefined;
    const verdict = await runBail('bidValidate', [
      entry('fetcher', async (_c, _bid, call) => {
        await new Promise<void>((resolve) => call.signal.addEventListener('abort', () => resolve()));
        told = { deadline: call.deadline - started, aborted: call.signal.aborted };
        return reject(1003, 'cut short at its deadline');
      }),
    ], ctx, {} as never, options);
    expect(told?.aborted).toBe(true);
    // 100 ms of budget, a tenth kept back: the hook is told start + 90 ms.
    expect(told!.deadline).toBeGreaterThan(85);
    expect(told!.deadline).toBeLessThan(91);
    expect(verdict).toMatchObject({ action: 'reject', code: 1003 });
    expect(outcomes).toEqual([['fetcher', 'success']]);
  });

  it('a hook that never reads its signal costs no timer', () => {
    const { options } = rig();
    const before = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    runBail('bidValidate', [entry('sync', () => noop())], ctx, {} as never, options);
    expect(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length).toBe(before);
  });
});
