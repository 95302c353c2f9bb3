import { describe, expect, it } from 'vitest';
import { readVector } from '../../test/vectors.js';
import { planVastTrackers } from './insert-trackers.js';
import { readVast } from './vast-document.js';
import { VastReadings } from './vast-readings.js';

const INLINE = readVector('iab-vast-samples/VAST 4.2 Samples/Inline_Linear_Tag-test.xml');
const WRAPPER = readVector('iab-vast-samples/VAST 4.2 Samples/Wrapper_Tag-test.xml');

describe('VastReadings: a creative sent again is not parsed again', () => {
  it('gives the same reading and plan for the same text (even another string object), as a fresh parse would', () => {
    const readings = new VastReadings();
    const first = readings.read(INLINE);
    const again = readings.read(`${INLINE} `.slice(0, -1));
    expect(again).toBe(first);
    expect(again.plan()).toBe(first.plan());
    const fresh = readVast(INLINE);
    expect(fresh.ok && first.reading.ok && first.reading.doc.version).toBe(fresh.ok && fresh.doc.version);
    // The kept plan places the trackers exactly where a fresh one does.
    expect(first.plan()).toEqual(planVastTrackers(fresh.ok ? fresh.doc : (undefined as never)));
  });

  it('keeps a refusal too, and tells different texts apart', () => {
    const readings = new VastReadings();
    const broken = readings.read('<VAST version="4.2"><Ad>');
    expect(broken.reading.ok).toBe(false);
    expect(readings.read('<VAST version="4.2"><Ad>')).toBe(broken);
    expect(readings.read(WRAPPER)).not.toBe(readings.read(INLINE));
  });

  it('is bounded: by entries, and by the characters it holds, the oldest forgotten first', () => {
    const byEntries = new VastReadings(2, 1_000_000);
    const a = byEntries.read(INLINE);
    byEntries.read(WRAPPER);
    byEntries.read(`${INLINE}\n`);
    expect(byEntries.read(WRAPPER)).toBe(byEntries.read(WRAPPER));
    expect(byEntries.read(INLINE)).not.toBe(a);
    const byChars = new VastReadings(100, INLINE.length * 4 + 16);
    const kept = byChars.read(INLINE);
    for (let k = 1; k <= 4; k++) byChars.read(`${INLINE}${'\n'.repeat(k)}`);
    expect(byChars.read(INLINE)).not.toBe(kept);
    // A markup over a quarter of what it may hold is read, never kept.
    const huge = `${INLINE}${' '.repeat(INLINE.length * 4)}`;
    expect(byChars.read(huge)).not.toBe(byChars.read(huge));
  });
});
