import { describe, expect, it } from 'vitest';
import { MemoryBidCache } from './memory-cache.js';

describe('the in-memory cache', () => {
  it('keeps a value for its TTL, then forgets it', async () => {
    let now = 1_000_000;
    const cache = new MemoryBidCache(1_000_000, () => now);
    const [uuid] = await cache.put([{ type: 'xml', value: '<VAST/>', ttlSeconds: 10 }]);
    expect(await cache.get(uuid!)).toEqual({ type: 'xml', value: '<VAST/>' });
    now += 9_999;
    expect(await cache.get(uuid!)).toBeDefined();
    now += 1;
    expect(await cache.get(uuid!)).toBeUndefined();
    await cache.close();
  });

  it('over its bound, the oldest values go first: a flood costs the cache its oldest entries, not the process its memory', async () => {
    // Each value is 10 characters, 20 bytes as counted: 5 fit in 100.
    const cache = new MemoryBidCache(100);
    const uuids = await cache.put(Array.from({ length: 7 }, (_, i) => ({ type: 'json' as const, value: `"${String(i).padStart(8, '0')}"`, ttlSeconds: 60 })));
    const kept = await Promise.all(uuids.map((uuid) => cache.get(uuid)));
    expect(kept.map((value) => value !== undefined)).toEqual([false, false, true, true, true, true, true]);
    await cache.close();
  });
});
