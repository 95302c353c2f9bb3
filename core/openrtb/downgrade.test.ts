import { describe, expect, it } from 'vitest';
import { downgradeTo25 } from './downgrade.js';
import type { BidRequest } from './types.js';

const base = (): BidRequest => ({ id: 'r1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] });

type Obj = Record<string, unknown>;
const at = (request: BidRequest, path: string): Obj => (path === '' ? request : (request[path] as Obj));

describe('downgradeTo25: fields 2.5 kept under ext move back there', () => {
  const table: Array<[string, string, unknown]> = [
    ['regs', 'gdpr', 1],
    ['regs', 'us_privacy', '1YNN'],
    ['user', 'consent', 'CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA'],
    ['user', 'eids', [{ source: 'id5-sync.com', uids: [{ id: 'ID5*x', atype: 1 }] }]],
    ['source', 'schain', { complete: 1, ver: '1.0', nodes: [{ asi: 'exchange.example', sid: '1', hp: 1 }] }],
  ];
  it.each(table)('%s.%s → %s.ext.%s', (path, field, value) => {
    const out = downgradeTo25({ ...base(), [path]: { other: 'kept', [field]: value } });
    expect(at(out, path)).toEqual({ other: 'kept', ext: { [field]: value } });
  });

  it.each(table)('%s.%s joins an existing %s.ext, replacing a stale copy there', (path, field, value) => {
    const out = downgradeTo25({ ...base(), [path]: { [field]: value, ext: { mine: 1, [field]: 'stale' } } });
    expect(at(out, path)).toEqual({ ext: { mine: 1, [field]: value } });
  });

  it('a 0 or empty value still moves (only an absent field stays absent)', () => {
    const out = downgradeTo25({ ...base(), regs: { gdpr: 0, us_privacy: '' } });
    expect(out.regs).toEqual({ ext: { gdpr: 0, us_privacy: '' } });
  });
});

describe('downgradeTo25: 2.6-only fields are dropped', () => {
  const table: Array<[string, string, unknown]> = [
    ['', 'wlangb', ['en']],
    ['', 'cattax', 2],
    ['regs', 'gpp', 'DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA'],
    ['regs', 'gpp_sid', [2]],
    ['device', 'sua', { browsers: [{ brand: 'Chromium', version: ['120'] }], mobile: 0 }],
    ['user', 'kwarray', ['sports']],
    ['site', 'cattax', 1],
    ['site', 'kwarray', ['news']],
    ['app', 'cattax', 1],
    ['app', 'kwarray', ['games']],
  ];
  it.each(table)('%s.%s', (path, field, value) => {
    const request = path === '' ? { ...base(), [field]: value } : { ...base(), [path]: { other: 'kept', [field]: value } };
    const out = downgradeTo25(request);
    expect(at(out, path)).not.toHaveProperty(field);
    if (path !== '') expect(at(out, path)).toEqual({ other: 'kept' });
  });

  const impTable: Array<[string, unknown]> = [['rwdd', 1], ['ssai', 2], ['qty', { multiplier: 1.5 }], ['dt', 1700000000000], ['refresh', { refsettings: [], count: 1 }]];
  it.each(impTable)('imp.%s', (field, value) => {
    const out = downgradeTo25({ id: 'r1', imp: [{ id: '1', banner: { w: 1, h: 1 }, bidfloor: 1, [field]: value }, { id: '2', native: { request: '{}' }, [field]: value }] });
    expect(out.imp).toEqual([{ id: '1', banner: { w: 1, h: 1 }, bidfloor: 1 }, { id: '2', native: { request: '{}' } }]);
  });

  const mediaTable: Array<[string, unknown]> = [
    ['plcmt', 1], ['podid', 'pod-1'], ['podseq', 1], ['rqddurs', [15, 30]], ['slotinpod', 1], ['mincpmpersec', 0.01], ['maxseq', 3], ['poddur', 60],
  ];
  it.each(mediaTable)('imp.video.%s and imp.audio.%s', (field, value) => {
    const out = downgradeTo25({
      id: 'r1',
      imp: [
        { id: 'v', video: { mimes: ['video/mp4'], protocols: [2], [field]: value } },
        { id: 'a', audio: { mimes: ['audio/mp4'], [field]: value } },
      ],
    });
    expect(out.imp).toEqual([{ id: 'v', video: { mimes: ['video/mp4'], protocols: [2] } }, { id: 'a', audio: { mimes: ['audio/mp4'] } }]);
  });
});

describe('downgradeTo25 keeps everything else', () => {
  it('a request without 2.6-only fields comes out equal', () => {
    const request: BidRequest = {
      id: 'r1',
      at: 2,
      tmax: 120,
      cur: ['USD'],
      bcat: ['IAB25'],
      imp: [{ id: '1', banner: { w: 300, h: 250, format: [{ w: 300, h: 250 }] }, bidfloor: 0.5, bidfloorcur: 'USD', secure: 1, ext: { x: 1 } }],
      site: { id: 's', domain: 'pub.example', page: 'https://pub.example/' },
      device: { ua: 'ua', ip: '203.0.113.1' },
      user: { id: 'u', buyeruid: 'b' },
      regs: { coppa: 1 },
      source: { tid: 't' },
      ext: { prebid: {} },
    };
    expect(downgradeTo25(request)).toEqual(request);
  });

  it('adds no object the request did not have', () => {
    expect(downgradeTo25(base())).toEqual(base());
  });
});

describe('downgradeTo25 does not touch the canonical request', () => {
  const full = (): BidRequest => ({
    id: 'r1',
    wlangb: ['en'],
    cattax: 2,
    imp: [{ id: '1', video: { mimes: ['video/mp4'], plcmt: 1 }, rwdd: 1 }, { id: '2', audio: { poddur: 30 } }],
    site: { cattax: 1, kwarray: ['a'] },
    device: { sua: {} },
    user: { consent: 'c', eids: [], kwarray: ['k'], ext: { a: 1 } },
    regs: { gdpr: 1, us_privacy: 'x', gpp: 'g', gpp_sid: [1], ext: { b: 2 } },
    source: { schain: { complete: 1 } },
  });

  it('a deeply frozen request downgrades without error and is unchanged', () => {
    const request = full();
    const freeze = (value: unknown): void => {
      if (typeof value === 'object' && value !== null) {
        Object.values(value).forEach(freeze);
        Object.freeze(value);
      }
    };
    freeze(request);
    const out = downgradeTo25(request);
    expect(request).toEqual(full());
    expect(out).not.toBe(request);
    expect(out.regs).toEqual({ ext: { b: 2, gdpr: 1, us_privacy: 'x' } });
  });

  it('the result shares no changed object with the input', () => {
    const request = full();
    const out = downgradeTo25(request);
    for (const key of ['user', 'regs', 'source', 'site', 'device'] as const) expect(out[key]).not.toBe(request[key]);
    expect((out.user as Obj).ext).not.toBe(request.user!.ext);
    expect(out.imp[0]).not.toBe(request.imp[0]);
    expect(out.imp[0].video).not.toBe(request.imp[0].video);
  });
});
