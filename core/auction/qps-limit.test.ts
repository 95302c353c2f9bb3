import { describe, expect, it } from 'vitest';
import { QpsLimit } from './qps-limit.js';

/** How many of `count` requests, `everyMs` apart from `start`, the limit lets through. */
function allowed(limit: QpsLimit, count: number, everyMs: number, start = 0): number {
  let passed = 0;
  for (let i = 0; i < count; i++) if (limit.tryTake(start + i * everyMs)) passed++;
  return passed;
}

describe('QpsLimit (a token bucket of a tenth of a second)', () => {
  it('lets a burst of a tenth of a second through, then one request per 1/perSecond', () => {
    const limit = new QpsLimit(100, 0);
    expect(allowed(limit, 50, 0)).toBe(10);
    expect([limit.tryTake(9.9), limit.tryTake(10), limit.tryTake(10)]).toEqual([false, true, false]);
  });

  it('holds the rate over a long run of requests sent faster than it', () => {
    const limit = new QpsLimit(200, 0);
    // 10 s of requests every millisecond (1000/s): 200/s pass, plus the first tenth of a second's burst.
    expect(allowed(limit, 10_000, 1)).toBe(200 * 10 + 20 - 1);
  });

  it('scaled to a share of its cap (a node of a fleet), holds that share; scaled back, the whole cap again', () => {
    const limit = new QpsLimit(200, 0);
    limit.scale(0.25);
    // 50/s after the cut: the bucket keeps at most 5 of the 20 it held.
    expect(allowed(limit, 10_000, 1)).toBe(50 * 10 + 5 - 1);
    limit.scale(1);
    expect(allowed(limit, 10_000, 1, 10_000)).toBe(200 * 10);
  });

  it('never holds back a bidder asked below its cap', () => {
    expect(allowed(new QpsLimit(50, 0), 100, 20)).toBe(100);
  });

  it('a cap under 1/s still lets one request through, then one per 1/perSecond seconds', () => {
    const limit = new QpsLimit(0.5, 0);
    expect([limit.tryTake(0), limit.tryTake(1_999), limit.tryTake(2_000)]).toEqual([true, false, true]);
  });
});
