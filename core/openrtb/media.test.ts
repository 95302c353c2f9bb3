import { describe, expect, it } from 'vitest';
import { hasMarkup, markupTypeOf, offeredMarkupTypes, offersMarkupType } from './media.js';
import { MarkupType, type BidRequest, type Imp } from './types.js';

const banner: Imp = { id: '1', banner: { w: 300, h: 250 } };
const multi: Imp = { id: '2', banner: { w: 300, h: 250 }, video: { mimes: ['video/mp4'] }, native: { request: '{}' } };
const request: BidRequest = { id: 'r', imp: [banner, multi] };

describe('markup types', () => {
  it('offersMarkupType agrees with offeredMarkupTypes for every type, on each imp', () => {
    for (const imp of [banner, multi, { id: '3', audio: {} } as Imp, { id: '4' } as Imp]) {
      for (const mtype of [MarkupType.banner, MarkupType.video, MarkupType.audio, MarkupType.native, 0, 5]) {
        expect(offersMarkupType(imp, mtype)).toBe(offeredMarkupTypes(imp).includes(mtype));
      }
    }
  });

  it('hasMarkup: a string with a non-blank character, blank as trim() reads it (no-break space, BOM, line separators)', () => {
    for (const blank of ['', ' ', '\t\n\r', '\u00a0\ufeff\u2028\u2029\u3000']) {
      expect(blank.trim()).toBe('');
      expect(hasMarkup(blank)).toBe(false);
    }
    for (const markup of ['x', '  <div/>', '\u00a0.']) expect(hasMarkup(markup)).toBe(true);
    for (const notText of [undefined, null, 42, {}, ['<div/>']]) expect(hasMarkup(notText)).toBe(false);
  });

  it('markupTypeOf: the bid\'s own mtype, else the imp\'s only type, else none (several types, or an unknown imp)', () => {
    expect(markupTypeOf(request, '2', MarkupType.video)).toBe(MarkupType.video);
    expect(markupTypeOf(request, '1', undefined)).toBe(MarkupType.banner);
    expect(markupTypeOf(request, '2', undefined)).toBeUndefined();
    expect(markupTypeOf(request, 'nope', undefined)).toBeUndefined();
  });
});
