import { describe, expect, it } from 'vitest';
import { utcDay } from './auction-log.js';

describe('utcDay', () => {
  it('names the UTC day of a time, at both edges of a day, in any order', () => {
    const midnight = Date.UTC(2026, 10, 26);
    const cases: Array<[number, string]> = [
      [midnight, '2026-11-26'],
      [midnight - 1, '2026-11-25'],
      [midnight + 86_399_999, '2026-11-26'],
      [midnight + 86_400_000, '2026-11-27'],
      [midnight - 1, '2026-11-25'],
      [Date.UTC(2024, 1, 29, 12), '2024-02-29'],
      [0, '1970-01-01'],
      [-1, '1969-12-31'],
    ];
    for (const [ms, day] of cases) expect(utcDay(ms), String(ms)).toBe(day);
  });

  it('agrees with Date on random times', () => {
    for (let i = 0; i < 2_000; i++) {
      const ms = Math.floor(Math.random() * 4e12);
      expect(utcDay(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
    }
  });
});
