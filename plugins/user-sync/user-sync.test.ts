import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry, type RtbConfigInput, RtbStartupError } from '../../core/index.js';
import { type MockBidder, startMockBidder, startTestExchange, type TestExchange } from '../../core/testing/index.js';
import { decodeIdentity, encodeIdentity } from './identity-cookie.js';

const COOKIE_SECRET = 'e2e-cookie-secret-0123456789';
const KEY_A = 'key-of-dsp-a';
const KEY_B = 'key-of-dsp-b';
const KEY_A_VARIABLE = 'USER_SYNC_TEST_KEY_A';
const REFERER = 'https://pub.example/article?id=7';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) e2e';
const DAY = 86_400;

interface Answer { status: number; headers: IncomingHttpHeaders; body: Buffer }

/** One plain HTTP GET, exactly these headers (node:http adds no User-Agent), no connection reuse. */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** The spec's signature (R10), computed here from the formula with node:zlib, independently of the plugin. */
const specSign = (shortIp: string, referer: string, userAgent: string, location: string, data: string, key: string) =>
  String(zlib.crc32(Buffer.from(shortIp + referer + userAgent + location + data + key, 'utf8')));

/** The `rtb_uid=...` pair of an answer's Set-Cookie, for the next request's Cookie header. */
function identityCookie(answer: Answer): string | undefined {
  return answer.headers['set-cookie']?.map((line) => line.split(';')[0]!).find((pair) => pair.startsWith('rtb_uid='));
}

const cookieValue = (pair: string) => pair.slice('rtb_uid='.length);

describe('user-sync (RTB host cookie binding, R9–R11)', () => {
  let a: MockBidder;
  let b: MockBidder;
  let c: MockBidder;
  let exchange: TestExchange;
  let socketOnly: TestExchange;

  const config = (server: RtbConfigInput['server']): RtbConfigInput => ({
    server,
    sites: { news: { banner: { w: 300, h: 250 } } },
    bidders: {
      'dsp-a': { endpoint: `${a.url}/bid`, syncTag: 'dspa', syncKey: { env: KEY_A_VARIABLE }, syncRedirectHosts: ['dsp-a.example', '.cdn-a.example'] },
      'dsp-b': { endpoint: `${b.url}/bid`, syncTag: 'dsp_b', syncKey: KEY_B },
      'dsp-c': { endpoint: `${c.url}/bid` },
    },
    plugins: [{ name: 'user-sync', options: { cookieSecret: COOKIE_SECRET } }],
    log: { level: 'silent' },
  });

  beforeAll(async () => {
    process.env[KEY_A_VARIABLE] = KEY_A;
    [a, b, c] = await Promise.all([startMockBidder({ price: 3 }), startMockBidder({ price: 2 }), startMockBidder({ price: 1 })]);
    exchange = await startTestExchange(config({ trustProxy: true, publicUrl: 'https://ads.example' }), builtinRegistry());
    socketOnly = await startTestExchange(config({ trustProxy: false, publicUrl: 'http://ads.example' }), builtinRegistry());
  });

  afterAll(async () => {
    await Promise.all([exchange?.stop(), socketOnly?.stop()]);
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    delete process.env[KEY_A_VARIABLE];
  });

  /** A binding call from a browser at `ip` (sent as X-Forwarded-For: the exchange trusts its proxy). */
  const bind = (query: Record<string, string>, options: { ip?: string; referer?: string; ua?: string; cookie?: string; on?: TestExchange } = {}) => {
    const headers: Record<string, string> = {};
    if (options.ip !== undefined) headers['x-forwarded-for'] = options.ip;
    if (options.referer !== undefined) headers.referer = options.referer;
    if (options.ua !== undefined) headers['user-agent'] = options.ua;
    if (options.cookie !== undefined) headers.cookie = options.cookie;
    return get(`${(options.on ?? exchange).url}/sync?${new URLSearchParams(query)}`, headers);
  };

  /** A tag request; returns the answer and the bid request each bidder received for it. */
  const ad = async (cookie?: string) => {
    const counts = [a, b, c].map((bidder) => bidder.requests.length);
    const answer = await get(`${exchange.url}/ad?site=news`, { referer: REFERER, 'user-agent': UA, ...(cookie ? { cookie } : {}) });
    expect(answer.status).toBe(200);
    const [toA, toB, toC] = [a, b, c].map((bidder, i) => {
      expect(bidder.requests.length).toBe(counts[i]! + 1);
      return bidder.requests.at(-1)!;
    });
    return { answer, toA: toA!, toB: toB!, toC: toC! };
  };

  /** Binds `data` for dsp-a (tag dspa) from a plain IPv4 browser and returns the new cookie pair. */
  const bindA = async (data: string, cookie?: string) => {
    const answer = await bind({ tag: 'dspa', data, sign: specSign('198.51.100', REFERER, UA, '', data, KEY_A) },
      { ip: '198.51.100.20', referer: REFERER, ua: UA, cookie });
    expect(answer.status).toBe(200);
    return identityCookie(answer)!;
  };

  describe('binding call: signature and answers', () => {
    interface Case {
      name: string;
      /** What the browser sends. */
      ip: string;
      referer?: string;
      ua?: string;
      tag?: string;
      data?: string;
      location?: string;
      /** `short_ip` the spec gives for `ip`. */
      shortIp: string;
      /** What the partner signed, where it differs from what is sent; `sign: null` sends no signature. */
      signed?: { shortIp?: string; referer?: string; location?: string; data?: string; key?: string; sign?: null };
      status: 200 | 302 | 400 | 404;
    }
    const cases: Case[] = [
      { name: 'IPv4 client', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-ipv4', shortIp: '203.0.113', status: 200 },
      { name: 'IPv4-mapped IPv6 client counts as IPv4', ip: '::ffff:203.0.113.77', referer: REFERER, ua: UA, data: 'user-mapped', shortIp: '203.0.113', status: 200 },
      { name: 'pure IPv6 client: short_ip is empty', ip: '2001:db8::5', referer: REFERER, ua: UA, data: 'user-ipv6', shortIp: '', status: 200 },
      { name: 'pure IPv6 client signed with an address part', ip: '2001:db8::5', referer: REFERER, ua: UA, data: 'user-ipv6', shortIp: '', signed: { shortIp: '2001:db8:' }, status: 404 },
      { name: 'with location: redirect', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-redirect', location: 'https://dsp-a.example/synced?u=1&x=%20y', shortIp: '203.0.113', status: 302 },
      { name: 'no Referer and no User-Agent count as empty strings', ip: '203.0.113.77', data: 'user-bare', shortIp: '203.0.113', status: 200 },
      { name: 'data of 27 printable ASCII characters', ip: '203.0.113.77', referer: REFERER, ua: UA, data: ' !"#$%&\'()*+,-./:;<=>?@[\\]~', shortIp: '203.0.113', status: 200 },
      { name: 'tampered data', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-evil', shortIp: '203.0.113', signed: { data: 'user-good' }, status: 404 },
      { name: 'tampered location', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', location: 'https://dsp-a.example/other', shortIp: '203.0.113', signed: { location: 'https://dsp-a.example/' }, status: 404 },
      { name: 'another Referer than the signed one', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', shortIp: '203.0.113', signed: { referer: 'https://other.example/' }, status: 404 },
      { name: 'another client network than the signed one', ip: '203.0.114.77', referer: REFERER, ua: UA, data: 'user-1', shortIp: '203.0.114', signed: { shortIp: '203.0.113' }, status: 404 },
      { name: 'wrong key', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', shortIp: '203.0.113', signed: { key: 'not-the-key' }, status: 404 },
      { name: 'the other bidder\'s key', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', shortIp: '203.0.113', signed: { key: KEY_B }, status: 404 },
      { name: 'missing signature', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', shortIp: '203.0.113', signed: { sign: null }, status: 404 },
      { name: 'unknown tag', ip: '203.0.113.77', referer: REFERER, ua: UA, tag: 'nobody', data: 'user-1', shortIp: '203.0.113', status: 404 },
      { name: 'missing tag', ip: '203.0.113.77', referer: REFERER, ua: UA, tag: '', data: 'user-1', shortIp: '203.0.113', status: 404 },
      { name: 'data longer than 27 characters', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'x'.repeat(28), shortIp: '203.0.113', status: 400 },
      { name: 'data not printable ASCII', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'usér', shortIp: '203.0.113', status: 400 },
      { name: 'data with a control character', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'a\tb', shortIp: '203.0.113', status: 400 },
      { name: 'empty data', ip: '203.0.113.77', referer: REFERER, ua: UA, data: '', shortIp: '203.0.113', status: 400 },
      // A location the bidder did not list is refused even when validly signed (crc32 is no MAC: one can be forged).
      { name: 'signed location on a host the bidder did not list', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', location: 'https://attacker.example/x', shortIp: '203.0.113', status: 400 },
      { name: 'signed location on a listed subdomain', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-sub', location: 'https://eu.cdn-a.example/s', shortIp: '203.0.113', status: 302 },
      { name: 'signed location on a look-alike of a listed host', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', location: 'https://dsp-a.example.attacker.example/', shortIp: '203.0.113', status: 400 },
      { name: 'a bidder that lists no host: any location is refused', tag: 'dsp_b', signed: { key: KEY_B }, ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', location: 'https://dsp-b.example/', shortIp: '203.0.113', status: 400 },
      { name: 'location that is not http(s)', ip: '203.0.113.77', referer: REFERER, ua: UA, data: 'user-1', location: 'javascript:alert(1)', shortIp: '203.0.113', status: 400 },
    ];

    it.each(cases)('$name → $status', async (row) => {
      const signed = row.signed ?? {};
      const key = signed.key ?? KEY_A;
      const data = row.data ?? '';
      const sign = specSign(signed.shortIp ?? row.shortIp, signed.referer ?? row.referer ?? '', row.ua ?? '', signed.location ?? row.location ?? '', signed.data ?? data, key);
      const query: Record<string, string> = { tag: row.tag ?? 'dspa', data, ...(row.location !== undefined ? { location: row.location } : {}), ...(signed.sign === null ? {} : { sign }) };
      const answer = await bind(query, { ip: row.ip, referer: row.referer, ua: row.ua });

      expect(answer.status).toBe(row.status);
      // Unknown tags are not the plugin's: the route's bare 404 answers them.
      if (row.tag === undefined) expect(answer.headers['cache-control']).toBe('no-store');
      const cookie = identityCookie(answer);
      if (row.status === 400 || row.status === 404) {
        expect(cookie).toBeUndefined();
        return;
      }
      if (row.status === 302) expect(answer.headers.location).toBe(new URL(row.location!).href);
      else expect(answer.headers['content-type']).toBe('image/gif');
      // The binding took: the next ad request with the new cookie carries the data to dsp-a.
      const { toA } = await ad(cookie);
      expect(toA.json.user.buyeruid).toBe(data);
    });

    it('takes the client address from the socket, not X-Forwarded-For, when server.trustProxy is off', async () => {
      const query = (shortIp: string) => ({ tag: 'dspa', data: 'user-socket', sign: specSign(shortIp, REFERER, UA, '', 'user-socket', KEY_A) });
      const viaSocket = await bind(query('127.0.0'), { on: socketOnly, ip: '203.0.113.77', referer: REFERER, ua: UA });
      expect(viaSocket.status).toBe(200);
      const viaHeader = await bind(query('203.0.113'), { on: socketOnly, ip: '203.0.113.77', referer: REFERER, ua: UA });
      expect(viaHeader.status).toBe(404);
    });

    it('writes a cookie that is SameSite=None; Secure for an https exchange and SameSite=Lax for an http one', async () => {
      const query = (shortIp: string) => ({ tag: 'dspa', data: 'user-attrs', sign: specSign(shortIp, '', '', '', 'user-attrs', KEY_A) });
      const https = await bind(query('203.0.113'), { ip: '203.0.113.1' });
      const http = await bind(query('127.0.0'), { on: socketOnly });
      const attributes = (answer: Answer) => answer.headers['set-cookie']![0]!.split('; ').slice(1);
      expect(attributes(https)).toEqual(['Path=/', `Max-Age=${365 * DAY}`, 'HttpOnly', 'SameSite=None', 'Secure']);
      expect(attributes(http)).toEqual(['Path=/', `Max-Age=${365 * DAY}`, 'HttpOnly', 'SameSite=Lax']);
    });
  });

  describe('exchange user id', () => {
    it('gives a new browser a random id on its first ad request, sends it to every bidder, and keeps it', async () => {
      const first = await ad();
      const cookie = identityCookie(first.answer)!;
      expect(cookie).toBeDefined();
      const userId = first.toA.json.user.id as string;
      expect(userId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      for (const request of [first.toA, first.toB, first.toC]) {
        expect(request.json.user.id).toBe(userId);
        expect(request.json.user.buyeruid).toBeUndefined();
      }

      const second = await ad(cookie);
      expect(identityCookie(second.answer)).toBeUndefined();
      for (const request of [second.toA, second.toB, second.toC]) expect(request.json.user.id).toBe(userId);

      const otherBrowser = await ad();
      expect(otherBrowser.toA.json.user.id).not.toBe(userId);
    });

    it('creates the id on a first binding call too, and keeps it through later bindings and ad requests', async () => {
      const cookie = await bindA('a-first');
      const userId = decodeIdentity(cookieValue(cookie), COOKIE_SECRET, Math.floor(Date.now() / 1000))!.userId;
      const { toA, answer } = await ad(cookie);
      expect(toA.json.user.id).toBe(userId);
      expect(identityCookie(answer)).toBeUndefined();
    });
  });

  describe('bound ids in bid requests', () => {
    it('sends the bound data from the next ad request on, to its own bidder only', async () => {
      const before = await ad();
      const cookie = identityCookie(before.answer)!;
      expect(before.toA.json.user.buyeruid).toBeUndefined();

      const bound = await bindA('a-only-mine', cookie);
      // The same browser without the new cookie (the request the binding answered is not "after" it).
      const stale = await ad(cookie);
      expect(stale.toA.json.user.buyeruid).toBeUndefined();

      const next = await ad(bound);
      expect(next.toA.json.user).toEqual({ id: before.toA.json.user.id, buyeruid: 'a-only-mine' });
      for (const other of [next.toB, next.toC]) {
        expect(other.json.user).toEqual({ id: before.toA.json.user.id });
        expect(other.raw.toString('utf8')).not.toContain('a-only-mine');
      }
    });

    it('keeps every tag\'s data in one cookie: writing one tag keeps the others', async () => {
      const dataB = 'B; "quoted", back\\slash=1';
      const afterA = await bindA('a-user-1');
      const answerB = await bind({ tag: 'dsp_b', data: dataB, sign: specSign('', '', '', '', dataB, KEY_B) }, { ip: '2001:db8::9', cookie: afterA });
      expect(answerB.status).toBe(200);
      const afterB = identityCookie(answerB)!;

      const both = await ad(afterB);
      expect(both.toA.json.user.buyeruid).toBe('a-user-1');
      expect(both.toB.json.user.buyeruid).toBe(dataB);
      expect(both.toC.json.user.buyeruid).toBeUndefined();
      expect(new Set([both.toA, both.toB, both.toC].map((request) => request.json.user.id)).size).toBe(1);

      const rebound = await ad(await bindA('a-user-2', afterB));
      expect(rebound.toA.json.user.buyeruid).toBe('a-user-2');
      expect(rebound.toB.json.user.buyeruid).toBe(dataB);
      expect(rebound.toA.json.user.id).toBe(both.toA.json.user.id);
    });
  });

  describe('cookies the exchange did not write', () => {
    const field = (pair: string, index: number, replacement: string) =>
      `rtb_uid=${cookieValue(pair).split('.').map((part, i) => (i === index ? replacement : part)).join('.')}`;
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['bindings rewritten to claim another bidder', (pair: string) => field(pair, 3, Buffer.from('dsp_b:stolen-id').toString('base64url'))],
      ['the user id swapped', (pair: string) => field(pair, 1, 'AAAAAAAAAAAAAAAAAAAAAA')],
      ['the expiry pushed out', (pair: string) => field(pair, 2, (now() + 9_999_999).toString(36))],
      ['signed with another secret', () => `rtb_uid=${encodeIdentity({ userId: 'AAAAAAAAAAAAAAAAAAAAAA', bindings: new Map([['dsp_b', 'stolen-id']]), expiresAt: now() + DAY }, 'not-the-exchange-secret')}`],
      ['expired', () => `rtb_uid=${encodeIdentity({ userId: 'AAAAAAAAAAAAAAAAAAAAAA', bindings: new Map([['dsp_b', 'stolen-id']]), expiresAt: now() - 60 }, COOKIE_SECRET)}`],
      ['garbage', () => 'rtb_uid=%22nonsense%22'],
    ])('ignores a cookie with %s: no bound data, a fresh id and cookie', async (_, forge) => {
      const genuine = await bindA('a-genuine');
      const forged = forge(genuine);
      const { toA, toB, toC, answer } = await ad(forged);
      for (const request of [toA, toB, toC]) {
        expect(request.json.user.buyeruid).toBeUndefined();
        expect(request.raw.toString('utf8')).not.toContain('stolen-id');
        expect(request.json.user.id).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
      }
      const fresh = identityCookie(answer)!;
      expect(fresh).toBeDefined();
      expect(decodeIdentity(cookieValue(fresh), COOKIE_SECRET, now())!.userId).toBe(toA.json.user.id);
    });

    it('renews a genuine cookie past half its lifetime, keeping the id and the bindings', async () => {
      const ageing = encodeIdentity({ userId: 'BBBBBBBBBBBBBBBBBBBBBB', bindings: new Map([['dspa', 'a-old-friend']]), expiresAt: now() + DAY }, COOKIE_SECRET);
      const { toA, answer } = await ad(`rtb_uid=${ageing}`);
      expect(toA.json.user).toEqual({ id: 'BBBBBBBBBBBBBBBBBBBBBB', buyeruid: 'a-old-friend' });
      const renewed = decodeIdentity(cookieValue(identityCookie(answer)!), COOKIE_SECRET, now())!;
      expect(renewed.userId).toBe('BBBBBBBBBBBBBBBBBBBBBB');
      expect(renewed.bindings).toEqual(new Map([['dspa', 'a-old-friend']]));
      expect(renewed.expiresAt).toBeGreaterThan(now() + 300 * DAY);
    });
  });
});

describe('user-sync start-up checks', () => {
  const base = (bidders: Record<string, Record<string, unknown>>, options: Record<string, unknown> = { cookieSecret: COOKIE_SECRET }): RtbConfigInput => ({
    bidders: Object.fromEntries(Object.entries(bidders).map(([name, extra]) => [name, { endpoint: 'http://127.0.0.1:9/bid', ...extra }])),
    plugins: [{ name: 'user-sync', options }],
    log: { level: 'silent' },
  });

  it.each([
    ['a tag without a key', base({ 'dsp-a': { syncTag: 'dspa' } }), 'bidders.dsp-a.syncKey: required with syncTag'],
    ['a key without a tag', base({ 'dsp-a': { syncKey: 'k' } }), 'bidders.dsp-a.syncTag: required with syncKey'],
    ['a key from an unset variable', base({ 'dsp-a': { syncTag: 'dspa', syncKey: { env: 'USER_SYNC_TEST_UNSET' } } }), 'bidders.dsp-a.syncKey: environment variable USER_SYNC_TEST_UNSET is not set'],
    ['a key of the wrong form', base({ 'dsp-a': { syncTag: 'dspa', syncKey: 42 } }), "bidders.dsp-a.syncKey: must be a string or { env: 'VARIABLE_NAME' }"],
    ['a tag with a space', base({ 'dsp-a': { syncTag: 'dsp a', syncKey: 'k' } }), 'bidders.dsp-a.syncTag: must be 1–32 letters'],
    ['two bidders with one tag', base({ 'dsp-a': { syncTag: 't', syncKey: 'k' }, 'dsp-b': { syncTag: 't', syncKey: 'k' } }), 'bidders.dsp-b.syncTag: "t" is already bidder dsp-a\'s tag'],
    ['no cookie secret', base({}, {}), 'plugins.0.options.cookieSecret: required'],
    ['a short cookie secret', base({}, { cookieSecret: 'short' }), 'plugins.0.options.cookieSecret: must be at least 16 characters'],
    ['an unknown option', base({}, { cookieSecret: COOKIE_SECRET, cookieSecert: 'x' }), 'plugins.0.options.cookieSecert: unknown key (did you mean cookieSecret?)'],
    ['a cookie lifetime over 400 days', base({}, { cookieSecret: COOKIE_SECRET, maxAgeDays: 500 }), 'plugins.0.options.maxAgeDays: must be a whole number of days from 1 to 400'],
  ])('refuses %s, naming the key', async (_, config, problem) => {
    const started = startTestExchange(config, builtinRegistry());
    await expect(started).rejects.toBeInstanceOf(RtbStartupError);
    await expect(started).rejects.toSatisfy((error: RtbStartupError) => error.problems.some((line) => line.startsWith(problem)));
  });
});
