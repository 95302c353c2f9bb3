import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startMockBidder } from '../../core/testing/index.js';
import { AttemptDeadlines } from './attempt-deadlines.js';
import { attemptDelivery, routeThrough } from './delivery.js';
import type { Notice } from './notice.js';
import { DeliveryQueue, type QueueHandlers } from './queue.js';
import { nextRetryDelay } from './retry-policy.js';
import { until } from '../../test/until.js';

const dispatcher = new Agent();
afterAll(() => dispatcher.close());

const POLICY = { maxAttempts: 5, maxAgeMs: 60_000, retryBaseMs: 10, retryMaxMs: 20 };

/** A queue over real HTTP, recording what it reports and how many attempts per bidder ran at once. */
function recordingQueue(concurrency: number) {
  const events: Array<{ what: 'delivered' | 'failed' | 'gaveUp'; id: string; retryInMs?: number | null }> = [];
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  const handlers: QueueHandlers = {
    attempt: async (notice, cancellation) => {
      active.set(notice.bidder, (active.get(notice.bidder) ?? 0) + 1);
      peak.set(notice.bidder, Math.max(peak.get(notice.bidder) ?? 0, active.get(notice.bidder)!));
      try {
        return await attemptDelivery(routeThrough(dispatcher, notice.url), notice, new AttemptDeadlines(30_000), cancellation);
      } finally {
        active.set(notice.bidder, active.get(notice.bidder)! - 1);
      }
    },
    delivered: (notice) => events.push({ what: 'delivered', id: notice.id }),
    failed: (notice, _attempts, _reason, retryInMs) => events.push({ what: 'failed', id: notice.id, retryInMs }),
    gaveUp: (notice) => events.push({ what: 'gaveUp', id: notice.id }),
  };
  return { queue: new DeliveryQueue(POLICY, concurrency, handlers), events, peak };
}

const notice = (id: string, bidder: string, url: string, acceptedAt = Date.now()): Notice => ({ id, kind: 'nurl', bidder, auctionId: 'a', url: `${url}/win/${id}`, acceptedAt });

describe('delivery queue', () => {
  it('keeps at most concurrencyPerBidder notices in flight per bidder, and delivers them all', async () => {
    const bidder = await startMockBidder({ delayMs: 20 });
    const { queue, events, peak } = recordingQueue(2);
    for (let i = 0; i < 10; i++) queue.add(notice(`n${i}`, 'dsp', bidder.url));
    await until(() => events.filter((event) => event.what === 'delivered').length === 10, 'ten delivered');
    expect(peak.get('dsp')).toBe(2);
    expect(bidder.notices).toHaveLength(10);
    await bidder.close();
  });

  it('a slow bidder does not hold up another bidder\'s notices', async () => {
    const slow = await startMockBidder({ delayMs: 2_000 });
    const fast = await startMockBidder();
    const { queue, events } = recordingQueue(1);
    for (let i = 0; i < 3; i++) queue.add(notice(`slow${i}`, 'slow', slow.url));
    for (let i = 0; i < 3; i++) queue.add(notice(`fast${i}`, 'fast', fast.url));
    await until(() => events.filter((event) => event.what === 'delivered' && event.id.startsWith('fast')).length === 3, 'fast notices delivered');
    expect(events.filter((event) => event.id.startsWith('slow'))).toEqual([]);
    await queue.drain(0);
    await Promise.all([slow.close(), fast.close()]);
  });

  it('retries network errors and non-2xx answers, then gives up after maxAttempts', async () => {
    const bidder = await startMockBidder({ noticeStatuses: [500, 404, 302] });
    const { queue, events } = recordingQueue(4);
    queue.add(notice('ok-on-4th', 'dsp', bidder.url));
    queue.add(notice('refused', 'nobody', 'http://127.0.0.1:1'));
    await until(() => events.some((event) => event.what === 'gaveUp') && events.some((event) => event.what === 'delivered'), 'both settled');
    expect(bidder.notices.map((n) => n.status)).toEqual([500, 404, 302, 200]);
    expect(events.filter((event) => event.id === 'refused').map((event) => event.what)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'gaveUp']);
    await bidder.close();
  });

  it('gives up at once a notice older than maxAgeMs (e.g. replayed after a long outage)', () => {
    const { queue, events } = recordingQueue(1);
    queue.add(notice('old', 'dsp', 'http://127.0.0.1:1', Date.now() - POLICY.maxAgeMs - 1));
    expect(events).toEqual([{ what: 'gaveUp', id: 'old' }]);
  });

  it('drain stops retries and aborts what is still in flight at its bound', async () => {
    const hanging = await startMockBidder({ delayMs: 60_000 });
    const { queue, events } = recordingQueue(1);
    queue.add(notice('stuck', 'dsp', hanging.url));
    await until(() => hanging.notices.length === 1, 'the attempt arrived');
    await queue.drain(10);
    expect(events).toEqual([{ what: 'failed', id: 'stuck', retryInMs: null }]);
    expect(queue.size).toBe(0);
    await hanging.close();
  });
});

describe('attempt deadlines', () => {
  it('one timer aborts every attempt past notices.timeoutMs; answered attempts are not touched', async () => {
    const hanging = await startMockBidder({ delayMs: 60_000 });
    const answering = await startMockBidder();
    const deadlines = new AttemptDeadlines(50);
    const results = await Promise.all([
      attemptDelivery(routeThrough(dispatcher, hanging.url), notice('h1', 'slow', hanging.url), deadlines),
      attemptDelivery(routeThrough(dispatcher, hanging.url), notice('h2', 'slow', hanging.url), deadlines),
      attemptDelivery(routeThrough(dispatcher, answering.url), notice('ok', 'fast', answering.url), deadlines),
    ]);
    expect(results).toEqual([
      { ok: false, reason: 'NOTICE_TIMEOUT: no answer within notices.timeoutMs (50 ms)' },
      { ok: false, reason: 'NOTICE_TIMEOUT: no answer within notices.timeoutMs (50 ms)' },
      { ok: true, status: 200 },
    ]);
    expect(hanging.notices).toHaveLength(2);
    expect(deadlines.size).toBe(0);
    await Promise.all([hanging.close(), answering.close()]);
  });
});

describe('retry policy', () => {
  const policy = { maxAttempts: 6, maxAgeMs: 10_000, retryBaseMs: 100, retryMaxMs: 1_000 };
  it.each([
    [1, 0, 100], [2, 0, 200], [3, 0, 400], [4, 0, 800], [5, 0, 1_000], [6, 0, null], [2, 9_850, null],
  ])('after attempt %i, %i ms after acceptance: %s', (attempts, age, expected) => {
    expect(nextRetryDelay(policy, attempts, 0, age, () => 0.5)).toBe(expected);
  });
  it('jitter stays within ±20%', () => {
    expect(nextRetryDelay(policy, 3, 0, 0, () => 0)).toBe(320);
    expect(nextRetryDelay(policy, 3, 0, 0, () => 1)).toBe(480);
  });
});
