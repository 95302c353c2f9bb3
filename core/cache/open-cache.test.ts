import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { RtbStartupError } from '../config/errors.js';
import { SINGLE_PROCESS } from '../plugin/cluster-channel.js';
import { openBidCache } from './open-cache.js';

const config = (memoryBytes: number) =>
  parseConfig({ sites: { s: { banner: { w: 300, h: 250 } } }, bidders: { a: { endpoint: 'http://127.0.0.1:9/bid' } }, cache: { enabled: true, memoryBytes } });

describe('the in-memory cache against the heap limit', () => {
  const half = Math.floor(getHeapStatistics().heap_size_limit / 2);

  it.each([
    { size: 'exactly half the heap limit', memoryBytes: half, fits: true },
    { size: 'one byte more', memoryBytes: half + 1, fits: false },
  ])('cache.memoryBytes of $size: opened $fits', async ({ memoryBytes, fits }) => {
    const opening = openBidCache(config(memoryBytes), SINGLE_PROCESS);
    if (fits) {
      await expect(opening).resolves.toBeDefined();
    } else {
      const error = await opening.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RtbStartupError);
      expect((error as RtbStartupError).code).toBe('RTB_ERR_CONFIG_INVALID');
      expect((error as RtbStartupError).problems[0]).toMatch(/^cache\.memoryBytes: \d+ MB is more than half of this process's heap limit \(\d+ MB\)/);
    }
  });
});
