import { describe, expect, it } from 'vitest';
import { withFields, withoutFields } from './with-fields.js';

describe('withFields', () => {
  it('copies the source and puts the fields on top, in a spread\'s key order, leaving both untouched', () => {
    const source = { id: 'a', imp: [1], tmax: 100 };
    const fields = { tmax: 300, cur: ['USD'] };
    const copy = withFields(source, fields);
    expect(copy).toEqual({ ...source, ...fields });
    expect(Object.keys(copy)).toEqual(Object.keys({ ...source, ...fields }));
    expect(copy.imp).toBe(source.imp);
    expect(source).toEqual({ id: 'a', imp: [1], tmax: 100 });
    expect(copy).not.toBe(source);
  });

  it('a parsed "__proto__" key stays data, as with a spread: the copy\'s prototype is Object\'s, and it serializes back', () => {
    const hostile = JSON.parse('{"id":"a","__proto__":{"polluted":true}}') as { id: string; tmax?: number };
    const copy = withFields(hostile, { tmax: 300 });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(copy))).toEqual(JSON.parse('{"id":"a","__proto__":{"polluted":true},"tmax":300}'));
  });
});

describe('withoutFields', () => {
  it('copies the source without the keys named, as a rest pattern does, leaving the source untouched', () => {
    const source = { id: 'a', prebid: { x: 1 }, bidder: 2, imp: [1] };
    const { prebid: _prebid, bidder: _bidder, ...rest } = source;
    const copy = withoutFields(source, ['prebid', 'bidder']);
    expect(copy).toEqual(rest);
    expect(Object.keys(copy)).toEqual(Object.keys(rest));
    expect(copy.imp).toBe(source.imp);
    expect(source).toEqual({ id: 'a', prebid: { x: 1 }, bidder: 2, imp: [1] });
  });

  it('a parsed "__proto__" key stays data, as in a rest pattern', () => {
    const hostile = JSON.parse('{"id":"a","drop":1,"__proto__":{"polluted":true}}') as { id: string; drop: number };
    const copy = withoutFields(hostile, ['drop']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(copy))).toEqual(JSON.parse('{"id":"a","__proto__":{"polluted":true}}'));
  });
});
