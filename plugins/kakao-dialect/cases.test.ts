import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../core/index.js';
import { playDialectCase, readDialectCases } from '../../core/testing/index.js';

// The dialect from data (cases/*.json): a request in, the wire call out, an answer in, the bids out.
describe.each(readDialectCases(new URL('./cases', import.meta.url)))('kakao: $name', (testCase) => {
  it('writes the expected call and reads the expected answer', () => {
    expect(playDialectCase(builtinRegistry(), testCase).mismatches).toEqual([]);
  });
});
