import { describe, expect, it } from 'vitest';
import type { Imp } from '../openrtb/types.js';
import { routedImps } from './bidder-routing.js';

const imp = (id: string, ext: unknown): Imp => ({ id, banner: { w: 300, h: 250 }, ext } as Imp);

describe('routedImps: the imps one routed bidder is offered', () => {
  it('only the imps that name it, each with its own params as ext.bidder and ext.prebid without any bidder\'s params', () => {
    const imps = [
      imp('1', { gpid: '/slot/1', prebid: { bidder: { a: { placement: 1 }, b: { zone: 'z' } }, storedrequest: { id: 's' } } }),
      imp('2', { prebid: { bidder: { b: { zone: 'y' } } } }),
      imp('3', { prebid: { bidder: { a: { placement: 3 } } }, bidder: { forged: true } }),
    ];
    const before = structuredClone(imps);
    const routed = routedImps(imps, new Map([['1', { placement: 1 }], ['3', { placement: 3 }]]));
    expect(routed).toEqual([
      { id: '1', banner: { w: 300, h: 250 }, ext: { gpid: '/slot/1', prebid: { storedrequest: { id: 's' } }, bidder: { placement: 1 } } },
      { id: '3', banner: { w: 300, h: 250 }, ext: { bidder: { placement: 3 } } },
    ]);
    expect(imps).toEqual(before);
    expect(routed[0]!.banner).toBe(imps[0]!.banner);
  });

  it('an imp without ext, or with an ext.prebid that is not an object, gets its params alone', () => {
    const routed = routedImps([imp('1', undefined), imp('2', { keep: 1, prebid: 'x' }), imp('3', { prebid: [1] })], new Map([['1', 'p1'], ['2', 'p2'], ['3', 'p3']]));
    expect(routed.map((each) => each.ext)).toEqual([{ bidder: 'p1' }, { keep: 1, bidder: 'p2' }, { bidder: 'p3' }]);
  });

  it('a parsed "__proto__" key in ext or ext.prebid stays data: no prototype is set, and it serializes back', () => {
    const [hostile] = JSON.parse('[{"id":"1","ext":{"__proto__":{"polluted":true},"prebid":{"__proto__":{"deep":true},"bidder":{"a":1}}}}]') as Imp[];
    const [routed] = routedImps([hostile!], new Map([['1', 1]]));
    const ext = routed!.ext as Record<string, unknown>;
    expect(Object.getPrototypeOf(ext)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(ext.prebid)).toBe(Object.prototype);
    expect((ext as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(routed))).toEqual(JSON.parse('{"id":"1","ext":{"__proto__":{"polluted":true},"prebid":{"__proto__":{"deep":true}},"bidder":1}}'));
  });
});
