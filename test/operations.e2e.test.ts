import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin } from '../core/plugin/define.js';
import { noop } from '../core/hooks/results.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { http, postAuction, startRig, type Rig } from './helpers.js';
import { until } from './until.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** The samples of a Prometheus text exposition: `name{label="value",…}` (labels sorted) → value. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

/** One sample's value (undefined when absent). */
function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  const key = Object.entries(labels).map(([label, value]) => `${label}="${value}"`).sort().join(',');
  return samples.get(`${name}{${key}}`);
}

describe('GET /metrics', () => {
  it('counts a scripted set of auctions: outcomes, bidder statuses and codes, latencies, hooks, notices, billing', async () => {
    // A plugin whose requestBuild always throws (an `error` hook outcome per bidder asked) and whose
    // admRewrite never settles (a `timeout` per winning bid): its contribution is dropped, nothing else.
    const registry = builtinRegistry().clone().plugin('flaky', definePlugin(() => ({
      requestBuild() {
        throw new Error('flaky');
      },
      admRewrite: () => new Promise<never>(() => undefined),
    })));
    rig = await startRig({
      w: { price: 2 },
      l: { price: 1, noticeStatuses: [500] },
      n: {},
      e: { status: 500 },
      t: { price: 3, delayMs: 1_000 },
      i: { price: 0.3 },
    }, {
      sites: { s: { banner: { w: 300, h: 250 }, floor: 0.5 } },
      auction: { tmaxMs: 250 },
      plugins: ['flaky'],
      notices: { retryBaseMs: 20, retryMaxMs: 40 },
    }, registry);
    rig.bidders.w.set({ nurl: `${rig.bidders.w.url}/win`, burl: `${rig.bidders.w.url}/bill` });
    rig.bidders.l.set({ lurl: `${rig.bidders.l.url}/loss` });

    // Three filled auctions (w wins, l loses, i below the floor), then one unfilled (MinCPM 5: every bid below it).
    const answers = [];
    for (let k = 0; k < 3; k++) answers.push(await postAuction(rig.exchange, { id: `a${k}`, imp: [{ id: '1', banner: { w: 300, h: 250 } }], site: { id: 's' } }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect((await http(`${rig.exchange.url}/ad?site=s&mincpm=5`)).status).toBe(204);
    // One impression, hit twice: billed once.
    const impression = /(http:\/\/[^"'\s]+\/t\/imp\?t=[\w-]+)/.exec(answers[0].json().seatbid[0].bid[0].adm)?.[1];
    expect(impression).toBeDefined();
    expect((await http(impression!)).status).toBe(200);
    expect((await http(impression!)).status).toBe(200);
    // 3 nurl, 4 lurl (3 outbid + 1 below MinCPM; the first answered 500, then retried), 1 burl.
    const count = (bidder: string, path: string) => rig!.bidders[bidder].notices.filter((notice) => notice.url.startsWith(path) && notice.status === 200).length;
    await until(() => count('w', '/win') === 3 && count('l', '/loss') === 4 && count('w', '/bill') === 1, 'notices delivered');

    const cpuBefore = process.cpuUsage();
    const scrape = await http(`${rig.exchange.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toContain('text/plain');
    const samples = parseExposition(scrape.text);
    const value = (name: string, labels?: Record<string, string>) => sample(samples, name, labels);

    expect(value('rtb_auctions_total', { outcome: 'filled' })).toBe(3);
    expect(value('rtb_auctions_total', { outcome: 'unfilled' })).toBe(1);
    expect(value('rtb_auction_duration_seconds_count')).toBe(4);

    const bids = [...samples].filter(([key]) => key.startsWith('rtb_bids_total{') && samples.get(key)! > 0);
    expect(Object.fromEntries(bids)).toEqual({
      'rtb_bids_total{bidder="w",code="",status="win"}': 3,
      'rtb_bids_total{bidder="w",code="100",status="invalid"}': 1,
      'rtb_bids_total{bidder="l",code="102",status="loss"}': 3,
      'rtb_bids_total{bidder="l",code="100",status="invalid"}': 1,
      'rtb_bids_total{bidder="n",code="",status="nobid"}': 4,
      'rtb_bids_total{bidder="e",code="",status="error"}': 4,
      'rtb_bids_total{bidder="t",code="",status="timeout"}': 4,
      'rtb_bids_total{bidder="i",code="100",status="invalid"}': 4,
    });
    // Every bidder that answered has a latency per auction; the one that timed out has none.
    for (const bidder of ['w', 'l', 'n', 'e', 'i']) expect(value('rtb_bidder_latency_seconds_count', { bidder }), bidder).toBe(4);
    expect(value('rtb_bidder_latency_seconds_count', { bidder: 't' })).toBe(0);
    expect(value('rtb_bidder_latency_seconds_bucket', { bidder: 'w', le: '+Inf' })).toBe(4);

    // Hook outcomes: the flaky plugin's, per stage, and the same counts the observeHooks option was told.
    expect(value('rtb_hook_calls_total', { plugin: 'flaky', stage: 'requestBuild', outcome: 'error' })).toBe(6 * 4);
    expect(value('rtb_hook_calls_total', { plugin: 'flaky', stage: 'admRewrite', outcome: 'timeout' })).toBe(3);
    // Validation runs on every bid that arrived: w, l and i in 4 auctions.
    expect(value('rtb_hook_calls_total', { plugin: 'core-bid-validation', stage: 'bidValidate', outcome: 'success' })).toBe(12);
    const observed = rig.exchange.hookOutcomes;
    for (const [key, total] of samples) {
      const match = /^rtb_hook_calls_total\{outcome="(\w+)",plugin="([\w-]+)",stage="(\w+)"\}$/.exec(key);
      if (!match) continue;
      const [, outcome, plugin, stage] = match;
      expect(observed.filter((o) => o.plugin === plugin && o.stage === stage && o.outcome === outcome).length, key).toBe(total);
    }

    expect(value('rtb_notices_total', { type: 'nurl', result: 'sent' })).toBe(3);
    expect(value('rtb_notices_total', { type: 'lurl', result: 'sent' })).toBe(4);
    expect(value('rtb_notices_total', { type: 'lurl', result: 'retried' })).toBe(1);
    expect(value('rtb_notices_total', { type: 'burl', result: 'sent' })).toBe(1);
    for (const type of ['nurl', 'lurl', 'burl']) {
      expect(value('rtb_notices_total', { type, result: 'failed' })).toBe(0);
      expect(value('rtb_notices_pending', { type })).toBe(0);
    }
    expect(value('rtb_billing_total', { bidder: 'w' })).toBe(1);

    // Node process metrics: the CPU counters are the process's totals, not the CPU since the first scrape.
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(cpuBefore.user / 1e6);
    expect(value('process_cpu_seconds_total')).toBeGreaterThanOrEqual((cpuBefore.user + cpuBefore.system) / 1e6);
    expect(scrape.text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });

  it('two exchanges in one process keep separate counts', async () => {
    rig = await startRig({ a: { price: 1 } });
    const other = await startRig({ a: { price: 1 } });
    try {
      await http(`${rig.exchange.url}/ad?site=s`);
      await http(`${rig.exchange.url}/ad?site=s`);
      await http(`${other.exchange.url}/ad?site=s`);
      const filled = async (current: Rig) => sample(parseExposition((await http(`${current.exchange.url}/metrics`)).text), 'rtb_auctions_total', { outcome: 'filled' });
      expect(await filled(rig)).toBe(2);
      expect(await filled(other)).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

/** Sends a raw HTTP/1.1 request on `socket` and resolves with the status code of the answer. */
function readStatus(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (match && text.includes('\r\n\r\n')) resolve(Number(match[1]));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`connection closed before an answer: ${JSON.stringify(text)}`)));
  });
}

describe('GET /readyz', () => {
  it('is 200 while serving and 503 while draining, before stop() resolves', async () => {
    rig = await startRig({ slow: { price: 1, delayMs: 400 } }, { auction: { tmaxMs: 2_000 } });
    const { url } = rig.exchange;
    expect((await http(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await http(`${url}/readyz`);
    expect([ready.status, ready.json()]).toEqual([200, { status: 'ready' }]);

    // stop() closes the listener (a new connection is refused) and idle keep-alive connections. A connection
    // that has begun a request is not idle, so this probe sends its request line before stop() and the rest
    // after: that request is answered while the exchange drains, as a load balancer's probe on an open
    // connection would be.
    const { port } = new URL(url);
    const probe = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => probe.once('connect', resolve));
    probe.write('GET /readyz HTTP/1.1\r\n');
    const answered = readStatus(probe);

    const auction = http(`${url}/ad?site=s`);
    await until(() => rig!.bidders.slow.requests.length === 1, 'the slow auction has reached its bidder');
    let stopped = false;
    const stopping = rig.exchange.exchange.stop().then(() => (stopped = true));
    probe.write('Host: exchange\r\n\r\n');
    expect(await answered).toBe(503);
    expect(stopped).toBe(false);
    probe.destroy();

    // The in-flight auction still finishes, then stop() resolves.
    expect((await auction).status).toBe(200);
    await stopping;
    expect(stopped).toBe(true);
  });

  it('is 503 naming the plugin whose ready() says no', async () => {
    let journalOk: boolean | string = true;
    const registry = builtinRegistry().clone().plugin('probe', definePlugin(() => ({ ready: () => journalOk, requestBuild: () => noop() })));
    rig = await startRig({ a: { price: 1 } }, { plugins: ['probe'] }, registry);
    expect((await http(`${rig.exchange.url}/readyz`)).status).toBe(200);
    journalOk = 'disk full';
    const answer = await http(`${rig.exchange.url}/readyz`);
    expect([answer.status, answer.json()]).toEqual([503, { status: 'unavailable', reasons: ['probe: disk full'] }]);
  });
});
