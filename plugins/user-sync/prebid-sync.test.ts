import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../core/index.js';
import { type MockBidder, startMockBidder, startTestExchange, type TestExchange } from '../../core/testing/index.js';
import { http } from '../../test/helpers.js';
import { decodeIdentity } from './identity-cookie.js';

// Prebid Server's user sync endpoints on the plugin's bindings (issue 16, item 6): POST /cookie_sync lists the user
// syncs a browser should run, GET /setuid binds what a bidder's sync redirect brings back; the next auction from that
// browser (Prebid.js sends its cookies) gives each bidder its own id as user.buyeruid.

const COOKIE_SECRET = 'prebid-sync-cookie-secret-01';

describe('user-sync: /cookie_sync and /setuid, as Prebid Server serves them', () => {
  let a: MockBidder;
  let b: MockBidder;
  let exchange: TestExchange;

  beforeAll(async () => {
    [a, b] = await Promise.all([startMockBidder({ price: 2 }), startMockBidder({ price: 1 })]);
    exchange = await startTestExchange({
      server: { publicUrl: 'http://ads.example' },
      bidders: {
        'dsp-a': { endpoint: `${a.url}/bid`, syncTag: 'dspa', syncUrl: 'https://sync.dsp-a.example/usersync?gdpr={{gdpr}}&redir={{redirect_url}}' },
        'dsp-b': { endpoint: `${b.url}/bid`, syncTag: 'dspb', syncKey: 'signed-only-key', syncUrl: 'https://dsp-b.example/frame?r={{redirect_url}}', syncType: 'iframe' },
        'dsp-c': { endpoint: 'http://127.0.0.1:1/bid', syncTag: 'dspc', syncKey: 'signed-only' },
      },
      plugins: [{ name: 'user-sync', options: { cookieSecret: COOKIE_SECRET } }],
      log: { level: 'silent' },
    }, builtinRegistry());
  });
  afterAll(async () => {
    await exchange?.stop();
    await Promise.all([a?.close(), b?.close()]);
  });

  const cookieSync = (body: unknown, cookie?: string) => http(`${exchange.url}/cookie_sync`, {
    method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain', ...(cookie ? { cookie } : {}) },
  });
  const setCookieOf = (answer: { headers: Record<string, unknown> }) => String([answer.headers['set-cookie']].flat()[0]).split(';')[0]!;

  it('a browser without a cookie is offered every bidder with a syncUrl, its redirect the exchange\'s /setuid; a bidder that cannot sync is an error', async () => {
    const answer = await cookieSync({ bidders: ['dsp-a', 'dsp-b', 'dsp-c', 'ghost'], gdpr: 0 });
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(body.status).toBe('no_cookie');
    const redirectA = 'http://ads.example/setuid?bidder=dsp-a&gdpr=0&gdpr_consent=&f=i&uid=$UID';
    expect(body.bidder_status).toEqual([
      { bidder: 'dsp-a', no_cookie: true, usersync: { url: `https://sync.dsp-a.example/usersync?gdpr=0&redir=${encodeURIComponent(redirectA)}`, type: 'redirect', supportCORS: false } },
      { bidder: 'dsp-b', no_cookie: true, usersync: { url: `https://dsp-b.example/frame?r=${encodeURIComponent('http://ads.example/setuid?bidder=dsp-b&gdpr=0&gdpr_consent=&f=b&uid=$UID')}`, type: 'iframe', supportCORS: false } },
      { bidder: 'dsp-c', error: 'No sync config' },
      { bidder: 'ghost', error: 'Unsupported bidder' },
    ]);
    // Without bidders: every bidder with a syncUrl; limit bounds the syncs offered.
    expect((await cookieSync({})).json().bidder_status.map((entry: { bidder: string }) => entry.bidder)).toEqual(['dsp-a', 'dsp-b']);
    expect((await cookieSync({ limit: 1 })).json().bidder_status).toHaveLength(1);
  });

  it('/setuid binds the uid (pixel or blank), the bound bidder is no longer offered, and its next auction carries its own buyeruid only', async () => {
    const first = await http(`${exchange.url}/setuid?bidder=dsp-a&uid=a-user-0123456789abcdef0123456789abcdef&f=i`);
    expect([first.status, first.headers['content-type'], first.headers['cache-control']]).toEqual([200, 'image/gif', 'no-store']);
    const cookie = setCookieOf(first);
    const state = decodeIdentity(cookie.slice('rtb_uid='.length), COOKIE_SECRET, Math.floor(Date.now() / 1000));
    expect(state?.bindings.get('dspa')).toBe('a-user-0123456789abcdef0123456789abcdef');
    const second = await http(`${exchange.url}/setuid?bidder=dsp-b&uid=b-user-7`, { headers: { cookie } });
    expect([second.status, second.headers['content-type'], second.text]).toEqual([200, 'text/html; charset=utf-8', '']);
    const both = setCookieOf(second);
    const synced = (await cookieSync({ bidders: ['dsp-a', 'dsp-b'] }, both)).json();
    expect(synced).toEqual({ status: 'ok', bidder_status: [] });

    const auction = await http(`${exchange.url}/openrtb2/auction`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: both },
      body: JSON.stringify({ id: 'synced-1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] }),
    });
    expect(auction.status).toBe(200);
    const lastOf = (bidder: MockBidder) => bidder.requests.filter((request) => request.method === 'POST').at(-1)!.json.user;
    expect(lastOf(a).buyeruid).toBe('a-user-0123456789abcdef0123456789abcdef');
    expect(lastOf(b).buyeruid).toBe('b-user-7');
    // A server's request (no cookie) is not identified: no buyeruid, no cookie set.
    const server = await http(`${exchange.url}/openrtb2/auction`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'server-1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] }) });
    expect(server.headers['set-cookie']).toBeUndefined();
    expect(lastOf(a)?.buyeruid).toBeUndefined();
    // An empty uid unbinds.
    const unbound = setCookieOf(await http(`${exchange.url}/setuid?bidder=dsp-a&uid=`, { headers: { cookie: both } }));
    expect(decodeIdentity(unbound.slice('rtb_uid='.length), COOKIE_SECRET, Math.floor(Date.now() / 1000))?.bindings.has('dspa')).toBe(false);
  });

  it.each([
    ['', 'bidder: required'],
    ['bidder=dsp-c&uid=x', 'bidder: "dsp-c" does not sync through /setuid here'],
    ['bidder=ghost&uid=x', 'bidder: "ghost" does not sync'],
    [`bidder=dsp-a&uid=${'x'.repeat(129)}`, 'uid: must be 1 to 128'],
    ['bidder=dsp-a&uid=%0A', 'uid: must be 1 to 128'],
    ['bidder=dsp-a&uid=x&f=j', "f: must be 'i'"],
  ])('/setuid?%s is a 400: %s', async (query, reason) => {
    const answer = await http(`${exchange.url}/setuid?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain(reason);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['not an object', [1], '(body): must be a JSON object'],
    ['bidders not a list', { bidders: 'dsp-a' }, 'bidders: must be a list of bidder codes'],
    ['a bad limit', { limit: -1 }, 'limit: must be a whole number'],
    ['a bad gdpr', { gdpr: 2 }, 'gdpr: must be 0 or 1'],
  ])('/cookie_sync with %s is a 400', async (_what, body, reason) => {
    const answer = await cookieSync(body);
    expect([answer.status, answer.text]).toEqual([400, reason]);
  });

  it.each([
    [{ syncTag: 'x', syncUrl: 'https://x.example/sync' }, 'bidders.x.syncUrl: must contain {{redirect_url}}'],
    [{ syncTag: 'x', syncKey: 'k', syncType: 'iframe' }, 'bidders.x.syncType: needs syncUrl'],
    [{ syncUrl: 'https://x.example/sync?r={{redirect_url}}' }, 'bidders.x.syncTag: required with syncUrl'],
  ])('a bidder with %j stops start-up: %s', async (keys, problem) => {
    await expect(startTestExchange({
      bidders: { x: { endpoint: 'http://127.0.0.1:1/bid', ...keys } },
      plugins: [{ name: 'user-sync', options: { cookieSecret: COOKIE_SECRET } }],
      log: { level: 'silent' },
    }, builtinRegistry())).rejects.toThrow(problem);
  });
});
