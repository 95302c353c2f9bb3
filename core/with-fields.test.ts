import { describe, expect, it } from 'vitest';
import { withFields } from './with-fields.js';

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
