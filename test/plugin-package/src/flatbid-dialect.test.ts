import { builtinRegistry } from 'rtb-exchange';
import { bidderContextFor, bidderFor, decodedBids, playDialectCase, readDialectCases } from 'rtb-exchange/testing';
import { describe, expect, it } from 'vitest';
import { FlatBidDialect } from './flatbid-dialect.js';

const registry = builtinRegistry().dialect('flatbid', FlatBidDialect);
const { dialect, view } = bidderFor(registry, 'flat', { bidders: { flat: { endpoint: 'http://127.0.0.1:9/bid', dialect: 'flatbid' } } });
const answer = (status: number, body: unknown) => ({ status, headers: {}, body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) });
const request = { id: 'a1', imp: [{ id: '1', banner: { w: 300, h: 250 }, bidfloor: 0.5 }] };

describe('the flatbid dialect', () => {
  it('writes one slot per imp, with its size and floor', () => {
    const call = dialect.encode(request, bidderContextFor(view));
    expect(call.headers['x-flatbid-seat']).toBe('flat');
    expect(JSON.parse(String(call.body))).toEqual({ auction: 'a1', slots: [{ slot: '1', w: 300, h: 250, floorCpm: 0.5 }] });
  });

  it('reads each ad as a bid priced in micros', () => {
    const [bid] = decodedBids(dialect.decode(answer(200, { ads: [{ id: 'x', slot: '1', cpm: 1.23, html: '<b>ad</b>' }] }), request, bidderContextFor(view)));
    expect(bid).toMatchObject({ priceMicros: 1_230_000, admFormat: 'html', bid: { id: 'x', impid: '1', adm: '<b>ad</b>' } });
  });

  it('a price the pricing units cannot read makes the bid invalid, with a loss reason', () => {
    const [bid] = decodedBids(dialect.decode(answer(200, { ads: [{ id: 'x', slot: '1', cpm: 'lots' }] }), request, bidderContextFor(view)));
    expect(bid?.priceMicros).toBeNull();
    expect(bid?.invalid?.code).toBe(3);
  });

  it('204, an empty ad list and a broken body are no bid or an error, as every JSON dialect reads them', () => {
    expect(dialect.decode(answer(204, undefined), request, bidderContextFor(view)).kind).toBe('nobid');
    expect(dialect.decode(answer(200, { ads: [] }), request, bidderContextFor(view)).kind).toBe('nobid');
    expect(dialect.decode({ status: 200, headers: {}, body: Buffer.from('{oops') }, request, bidderContextFor(view)).kind).toBe('error');
  });
});

// The same dialect from data (cases/*.json), run by the framework's harness as the built-in dialects are.
describe.each(readDialectCases(new URL('./cases', import.meta.url)))('flatbid: $name', (testCase) => {
  it('writes the expected call and reads the expected answer', () => {
    expect(playDialectCase(registry, testCase).mismatches).toEqual([]);
  });
});
