// A plugin's garbage is its own problem (issue 17, item 4): a hook result outside its stage's contract is that
// plugin's failure, logged once with its tags, its contribution dropped; the auction goes on as without it.
import { afterEach, expect, it } from 'vitest';
import type { Plugin } from '../core/plugin/contract.js';
import { definePlugin } from '../core/plugin/define.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { http, postAuction, startRig, type Rig } from './helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const REQUEST = { id: 'g1', imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's', page: 'https://pub.example/' } };

/** An error whose every property throws when read: logging it must not throw in turn. */
function poisonedError(): unknown {
  return new Proxy({}, { get: () => { throw new Error('poisoned getter'); }, getPrototypeOf: () => { throw new Error('poisoned prototype'); } });
}

const GARBAGE: Array<[string, Plugin]> = [
  ['requestBuild returning null', { requestBuild: () => null as never }],
  ['requestBuild updating to a request without imps', { requestBuild: () => ({ action: 'update', value: { id: 'x' } }) as never }],
  ['bidValidate returning undefined', { bidValidate: () => undefined as never }],
  ['bidValidate rejecting without a code', { bidValidate: () => ({ action: 'reject', reason: 'no code' }) as never }],
  ['auction returning null', { auction: () => null as never }],
  ['auction awarding a bid at more than it bid', {
    auction: (_ctx, input) => ({ action: 'update', value: { awards: input.candidates.map((candidate) => ({ candidate, clearingMicros: candidate.priceMicros + 1, minToWinMicros: 0 })), losses: [] } }),
  }],
  ['admRewrite updating to 42', { admRewrite: () => ({ action: 'update', value: 42 }) as never }],
  ['admRewrite updating to a markup without adm', { admRewrite: (_ctx, markup) => ({ action: 'update', value: { format: markup.format } }) as never }],
  ['a hook throwing an error whose properties throw', { bidValidate: () => { throw poisonedError(); } }],
];

it.each(GARBAGE)('%s: that plugin\'s failure, logged with its tags; the auction is served as without it', async (_name, hooks) => {
  const registry = builtinRegistry().clone().plugin('garbage', definePlugin(() => hooks));
  rig = await startRig({ a: { price: 2 } }, { plugins: ['garbage'] }, registry);
  const answer = await postAuction(rig.exchange, REQUEST);
  expect(answer.status).toBe(200);
  const [bid] = answer.json().seatbid[0].bid;
  expect(bid.adm).toEqual(expect.any(String));
  expect(bid.price).toBeLessThanOrEqual(2);
  const failures = rig.exchange.logs.lines.filter((line) => line.plugin === 'garbage' && line.level >= 50);
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatchObject({ plugin: 'garbage', stage: expect.any(String), auctionId: 'g1' });
  expect((await http(`${rig.exchange.url}/metrics`)).text).toMatch(/^rtb_hook_calls_total\{plugin="garbage",stage="\w+",outcome="error"\} 1$/m);
});

it('a sync hook returning null costs only its own answer: /ad is still served', async () => {
  const registry = builtinRegistry().clone().plugin('garbage', definePlugin(() => ({ sync: () => null as never })));
  rig = await startRig({ a: { price: 2 } }, { plugins: ['garbage'] }, registry);
  const answer = await http(`${rig.exchange.url}/ad?site=s`);
  expect(answer.status).toBe(200);
  expect(rig.exchange.logs.lines.filter((line) => line.plugin === 'garbage' && line.level >= 50)).toHaveLength(1);
});

it('a hook that blocks the event loop past its budget is named and counted (overrun), its answer kept', async () => {
  const registry = builtinRegistry().clone().plugin('slowpoke', definePlugin(() => ({
    bidValidate: () => {
      const until = performance.now() + 80;
      while (performance.now() < until) { /* a synchronous stall */ }
      return { action: 'noop' };
    },
  })));
  rig = await startRig({ a: { price: 2 } }, { plugins: ['slowpoke'], hooks: { timeoutMs: 20 } }, registry);
  expect((await postAuction(rig.exchange, REQUEST)).status).toBe(200);
  expect(rig.exchange.logs.withMessage('plugin hook blocked the event loop past its budget')).toEqual([
    expect.objectContaining({ plugin: 'slowpoke', stage: 'bidValidate', bidder: 'a', budgetMs: 20, tookMs: expect.any(Number) }),
  ]);
  expect((await http(`${rig.exchange.url}/metrics`)).text).toMatch(/^rtb_hook_calls_total\{plugin="slowpoke",stage="bidValidate",outcome="overrun"\} 1$/m);
});
