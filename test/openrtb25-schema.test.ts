import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { downgradeTo25 } from '../core/openrtb/downgrade.js';
import type { BidRequest } from '../core/openrtb/types.js';
import { readVector } from './vectors.js';

// What a bidder with `openrtbVersion: '2.5'` receives, validated against the OpenRTB 2.5 JSON schema of
// openrtb/openrtb2x's validator (BSD-3-Clause, vendored verbatim in test/vectors), which many DSPs validate with
// (`additionalProperties: false` everywhere). The schema needs one repair to compile, made here in code: its `$ref`s
// are written `#definitions/…`, without the slash. It is draft-04; Ajv reads it as its default draft (no keyword
// of the two differs in this schema).
const schemaText = readVector('openrtb2x-validator/openrtb-validator/src/main/resources/schemas/openrtb-schema_bid-request_v2-5.json');
const { $schema: _draft, ...schema } = JSON.parse(schemaText.replaceAll('"#definitions/', '"#/definitions/')) as Record<string, unknown>;
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
const problems = (request: unknown) => (validate(request) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`));

/** A 2.6 request using every 2.6-only field and value issue 16 found reaching 2.5 bidders, beside ones 2.5 has. */
const full26: BidRequest = {
  id: 'r-2.6',
  at: 2,
  tmax: 280,
  cur: ['USD'],
  acat: ['IAB25'],
  cattax: 1,
  wlangb: ['en'],
  imp: [
    {
      id: '1',
      banner: { w: 300, h: 250 },
      bidfloor: 0.5,
      bidfloorcur: 'USD',
      rwdd: 1,
      pmp: { private_auction: 1, deals: [{ id: 'd1', bidfloor: 1, guar: 1, mincpmpersec: 0.01, durfloors: [{ mindur: 1, maxdur: 15, bidfloor: 2 }] }] },
    },
    {
      id: '2',
      video: {
        mimes: ['video/mp4'], protocols: [2, 3, 7, 11, 12, 13, 14], w: 640, h: 360, plcmt: 1, podid: 'p', poddedupe: [1, 2],
        durfloors: [{ mindur: 1, maxdur: 30, bidfloor: 3 }], rqddurs: [15, 30], maxseq: 2, poddur: 60, mincpmpersec: 0.1, slotinpod: 1,
      },
    },
    { id: '3', audio: { mimes: ['audio/mp4'], durfloors: [{ mindur: 1, maxdur: 30, bidfloor: 1 }], protocols: [2, 3] } },
  ],
  site: {
    id: 's', domain: 'pub.example', page: 'https://pub.example/a', inventorypartnerdomain: 'partner.example', cattax: 1, kwarray: ['a'],
    publisher: { id: 'p', cattax: 1, cat: ['IAB1'] },
    content: {
      id: 'c', gtax: 9, genres: [1, 2], cattax: 1, langb: 'en', kwarray: ['k'], network: { id: 'n', name: 'N' }, channel: { id: 'ch', name: 'C' },
      producer: { id: 'pr', cattax: 1 },
      data: [{ id: 'd', segment: [{ id: 'seg' }], cids: ['cid'] }],
    },
  },
  device: { ua: 'UA', ip: '203.0.113.7', langb: 'en', sua: { browsers: [{ brand: 'Chrome', version: ['120'] }], mobile: 0 } },
  user: { id: 'u', consent: 'CPX', eids: [{ source: 'id.example', uids: [{ id: 'x' }] }], kwarray: ['u'], data: [{ id: 'ud', cids: ['c2'] }] },
  regs: { coppa: 0, gdpr: 1, us_privacy: '1YNN', gpp: 'DBA', gpp_sid: [2] },
  source: { tid: 't', schain: { complete: 1, ver: '1.0', nodes: [{ asi: 'ex.example', sid: '1', hp: 1 }] } },
} as BidRequest;

describe('what a 2.5 bidder receives validates against the OpenRTB 2.5 schema', () => {
  it('the schema itself catches 2.6 fields (the test is not vacuous)', () => {
    expect(problems(full26).length).toBeGreaterThan(10);
  });

  it('every 2.6-only field and value is moved or dropped', () => {
    expect(problems(downgradeTo25(full26))).toEqual([]);
  });
});
