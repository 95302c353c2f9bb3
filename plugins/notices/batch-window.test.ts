import { describe, expect, it } from 'vitest';
import { BatchWindow } from './batch-window.js';
import { until } from '../../test/until.js';

describe('batch window', () => {
  it('hands items over together, in order, once per window; flush hands over at once; never an empty batch', async () => {
    const batches: number[][] = [];
    const window = new BatchWindow<number>(5, (items) => batches.push(items));
    for (let i = 0; i < 10; i++) window.add(i);
    expect(window.size).toBe(10);
    expect(batches).toEqual([]);
    await until(() => batches.length === 1, 'the first batch');
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    window.add(10);
    window.add(11);
    window.flush();
    window.flush();
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11]]);
    expect(window.size).toBe(0);
  });
});
