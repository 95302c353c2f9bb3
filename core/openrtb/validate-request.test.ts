import { describe, expect, it } from 'vitest';
import { validateBidRequest } from './validate-request.js';

type Obj = Record<string, unknown>;
const imp = (extra: Obj = {}): Obj => ({ id: '1', banner: { w: 300, h: 250 }, ...extra });
const req = (extra: Obj = {}): Obj => ({ id: 'r1', imp: [imp()], ...extra });

describe('validateBidRequest names the first bad field', () => {
  const table: Array<[string, unknown, string]> = [
    ['null body', null, '(body)'],
    ['an array body', [], '(body)'],
    ['a string body', 'x', '(body)'],
    ['a number body', 5, '(body)'],
    ['no id', { imp: [imp()] }, 'id'],
    ['an empty id', req({ id: '' }), 'id'],
    ['a numeric id', req({ id: 7 }), 'id'],
    ['no imp', { id: 'r1' }, 'imp'],
    ['an empty imp', req({ imp: [] }), 'imp'],
    ['imp as an object', req({ imp: imp() }), 'imp'],
    ['an imp that is a number', req({ imp: [5] }), 'imp[0]'],
    ['an imp that is null', req({ imp: [null] }), 'imp[0]'],
    ['an imp that is an array', req({ imp: [[]] }), 'imp[0]'],
    ['an imp without id', req({ imp: [{ banner: {} }] }), 'imp[0].id'],
    ['an imp with an empty id', req({ imp: [imp({ id: '' })] }), 'imp[0].id'],
    ['an imp with a numeric id', req({ imp: [imp({ id: 1 })] }), 'imp[0].id'],
    ['a duplicate imp id', req({ imp: [imp(), imp({ video: {} })] }), 'imp[1].id'],
    ['an imp without media', req({ imp: [{ id: '1' }] }), 'imp[0]'],
    ['banner not an object', req({ imp: [{ id: '1', banner: 'x' }] }), 'imp[0].banner'],
    ['video an array', req({ imp: [{ id: '1', video: [] }] }), 'imp[0].video'],
    ['audio null', req({ imp: [{ id: '1', audio: null }] }), 'imp[0].audio'],
    ['native a number', req({ imp: [{ id: '1', native: 5 }] }), 'imp[0].native'],
    ['native without request', req({ imp: [{ id: '1', native: {} }] }), 'imp[0].native.request'],
    ['native request as an object', req({ imp: [{ id: '1', native: { request: { assets: [] } } }] }), 'imp[0].native.request'],
    ['banner.w zero', req({ imp: [imp({ banner: { w: 0, h: 250 } })] }), 'imp[0].banner.w'],
    ['banner.w negative', req({ imp: [imp({ banner: { w: -3 } })] }), 'imp[0].banner.w'],
    ['banner.w fractional', req({ imp: [imp({ banner: { w: 300.5 } })] }), 'imp[0].banner.w'],
    ['banner.w a string', req({ imp: [imp({ banner: { w: '300' } })] }), 'imp[0].banner.w'],
    ['banner.h zero', req({ imp: [imp({ banner: { w: 300, h: 0 } })] }), 'imp[0].banner.h'],
    ['banner.h a string', req({ imp: [imp({ banner: { h: '250' } })] }), 'imp[0].banner.h'],
    ['banner.format an object', req({ imp: [imp({ banner: { format: { w: 1, h: 1 } } })] }), 'imp[0].banner.format'],
    ['a negative bidfloor', req({ imp: [imp({ bidfloor: -1 })] }), 'imp[0].bidfloor'],
    ['a string bidfloor', req({ imp: [imp({ bidfloor: '1' })] }), 'imp[0].bidfloor'],
    ['a NaN bidfloor', req({ imp: [imp({ bidfloor: Number.NaN })] }), 'imp[0].bidfloor'],
    ['an infinite bidfloor', req({ imp: [imp({ bidfloor: Number.POSITIVE_INFINITY })] }), 'imp[0].bidfloor'],
    ['a numeric bidfloorcur', req({ imp: [imp({ bidfloorcur: 840 })] }), 'imp[0].bidfloorcur'],
    ['a bad second imp', req({ imp: [imp(), imp({ id: '2', bidfloor: -1 })] }), 'imp[1].bidfloor'],
    ['site a string', req({ site: 'pub.example' }), 'site'],
    ['app an array', req({ app: [] }), 'app'],
    ['site and app', req({ site: {}, app: {} }), 'app'],
    ['device a number', req({ device: 1 }), 'device'],
    ['user a string', req({ user: 'u1' }), 'user'],
    ['tmax zero', req({ tmax: 0 }), 'tmax'],
    ['tmax negative', req({ tmax: -5 }), 'tmax'],
    ['tmax fractional', req({ tmax: 1.5 }), 'tmax'],
    ['tmax a string', req({ tmax: 'soon' }), 'tmax'],
    ['cur a string', req({ cur: 'USD' }), 'cur'],
    ['cur with a number', req({ cur: ['USD', 978] }), 'cur'],
    ['test 2', req({ test: 2 }), 'test'],
    ['test as a string', req({ test: '1' }), 'test'],
    ['test as a boolean', req({ test: true }), 'test'],
    ['no id and no imp: id comes first', {}, 'id'],
    ['a bad imp and a bad tmax: imps come first', req({ imp: [{ id: '1' }], tmax: 0 }), 'imp[0]'],
  ];
  it.each(table)('%s → %s', (_name, body, field) => {
    const check = validateBidRequest(body);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.problem.field).toBe(field);
      expect(check.problem.message).toMatch(/\S/);
    }
  });
});

describe('validateBidRequest accepts well-formed requests untouched', () => {
  const table: Array<[string, Obj]> = [
    ['the smallest request', req()],
    ['a banner without size', req({ imp: [{ id: '1', banner: {} }] })],
    ['a banner with formats', req({ imp: [imp({ banner: { format: [{ w: 300, h: 250 }] } })] })],
    ['video, audio and native imps', req({ imp: [{ id: 'v', video: { mimes: ['video/mp4'] } }, { id: 'a', audio: {} }, { id: 'n', native: { request: '{"assets":[]}' } }] })],
    ['an imp with banner and video', req({ imp: [imp({ video: {} })] })],
    ['a zero bidfloor with a currency', req({ imp: [imp({ bidfloor: 0, bidfloorcur: 'USD' })] })],
    ['site, device, user, tmax, cur and test', req({ site: { id: 's' }, device: { ua: 'x' }, user: { id: 'u' }, tmax: 1, cur: ['USD', 'EUR'], test: 1 })],
    ['an app request with test 0', req({ app: { bundle: 'com.example' }, test: 0 })],
    ['unknown fields and ext', req({ ext: { anything: true }, acat: ['1'], imp: [imp({ rwdd: 1, ext: { x: 1 } })] })],
  ];
  it.each(table)('%s', (_name, body) => {
    const snapshot = structuredClone(body);
    const check = validateBidRequest(body);
    expect(check).toEqual({ ok: true, request: body });
    if (check.ok) expect(check.request).toBe(body);
    expect(body).toEqual(snapshot);
  });
});
