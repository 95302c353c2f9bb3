import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RTB_NODE_FLAGS } from '../core/node-flags.mjs';
import { startMockBidder, type MockBidder } from '../core/testing/index.js';
import { http, logFileLines, spawnRtb } from './helpers.js';
import { until } from './until.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'core/bin.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rtb-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `rtb ARGS` to the end and collects its output. */
function rtb(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child } = spawnRtb(args);
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

describe('rtb check', () => {
  it('a config with errors exits non-zero with one line per problem naming its key, no stack trace', async () => {
    const bad = file('bad.json', JSON.stringify({
      server: { port: 'eighty' },
      auction: { type: 'third-price', tmaxMs: -5 },
      currency: 'dollars',
      sites: { s1: { floor: 1 } },
      bidders: { 'dsp-a': { endpoint: 'not a url' }, 'dsp-b': { endpoint: 'ftp://x.example/bid', openrtbVersion: '3.0' } },
      surprise: true,
    }));
    const { code, stdout, stderr } = await rtb(['check', '--config', bad]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    for (const key of ['server.port:', 'auction.type:', 'auction.tmaxMs:', 'currency:', 'sites.s1:', 'bidders.dsp-a.endpoint: not a URL', 'bidders.dsp-b.endpoint: not a URL', 'bidders.dsp-b.openrtbVersion:', 'surprise: unknown key']) {
      expect(lines.some((line) => line.includes(key)), `a line for ${key} in:\n${stderr}`).toBe(true);
    }
    expect(lines.every((line) => line.startsWith('RTB_ERR_CONFIG_INVALID '))).toBe(true);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('unknown plugin, dialect and pricing names are named with their keys', async () => {
    const bad = file('names.json', JSON.stringify({
      bidders: { d: { endpoint: 'http://127.0.0.1:1/bid', dialect: 'martian', pricing: 'beads' } },
      plugins: ['no-such-plugin', { name: 'second-price', bidders: ['ghost'] }],
    }));
    const { code, stderr } = await rtb(['check', '--config', bad]);
    expect(code).toBe(1);
    expect(stderr).toContain('plugins.0: unknown plugin "no-such-plugin"');
    expect(stderr).toContain('plugins.1.bidders: unknown bidder "ghost"');
    expect(stderr).toContain('bidders.d.dialect: unknown dialect "martian"');
  });

  it('a missing config file is one clear line', async () => {
    const { code, stderr } = await rtb(['check', '--config', path.join(dir, 'nope.ts')]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('RTB_ERR_CONFIG_LOAD');
  });

  it('a config that does not compile is one line naming the file and the place, no stack trace', async () => {
    const broken = file('broken.ts', `export default {\n  bidders: { x: { endpoint: 'http://127.0.0.1:9/bid' } ,, },\n};\n`);
    const { code, stderr } = await rtb(['check', '--config', broken]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^RTB_ERR_CONFIG_LOAD .*broken\.ts:2:\d+: cannot compile: /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['plain.ts', `export default { bidders: { x: { endpoint: 'http://127.0.0.1:9/bid', dialect: 'openrtb' } }, plugins: [{ name: 'first-price' }] };`],
    ['defined.ts', `import { defineConfig } from '${path.join(root, 'core/index.js')}';\nexport default defineConfig({ bidders: { x: { endpoint: 'http://127.0.0.1:9/bid' } }, plugins: ['first-price'] });`],
    ['plain.mjs', `export default { bidders: { x: { endpoint: 'http://127.0.0.1:9/bid' } }, plugins: ['first-price'] };`],
    ['plain.json', JSON.stringify({ bidders: { x: { endpoint: 'http://127.0.0.1:9/bid' } }, plugins: ['first-price'] })],
  ])('loads %s and prints the resolved plan', async (name, text) => {
    const { code, stdout, stderr } = await rtb(['check', '--config', file(name, text)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('x: http://127.0.0.1:9/bid dialect=openrtb pricing=decimal-cpm openrtb=2.6 gzip=false');
    expect(stdout).toContain('bidValidate: core-bid-validation');
    expect(stdout).toContain('auction: first-price → second-price');
    expect(stdout).toContain('state: local journal=.rtb/notices');
    expect(stdout).toContain('cache: memory 67108864 bytes (under --workers N: the primary\'s) ttl=300s max=3600s');
  });

  it('names the state backend: redis, its URL without the password, and the key prefix', async () => {
    const config = { bidders: {}, state: { backend: 'redis', redis: { url: 'redis://exchange:s3cret@redis.internal:6380/2', prefix: 'fleet-a:' } } };
    const { code, stdout } = await rtb(['check', '--config', file('redis.json', JSON.stringify(config))]);
    expect(code).toBe(0);
    expect(stdout).toContain('state: redis redis://exchange:***@redis.internal:6380/2 prefix=fleet-a:');
    expect(stdout).toContain('cache: redis redis://exchange:***@redis.internal:6380/2 prefix=fleet-a:cache: ttl=300s max=3600s');
    expect(stdout).not.toContain('s3cret');
  });
});

describe('rtb start', () => {
  let bidder: MockBidder;
  beforeAll(async () => {
    bidder = await startMockBidder({ price: 1.5, delayMs: 400 });
  });
  afterAll(() => bidder.close());

  it('serves auctions, and on SIGTERM finishes the in-flight auction and exits 0 (run as an executable, with rtb\'s Node flags)', async () => {
    const config = file('live.json', JSON.stringify({
      server: { port: 0 },
      auction: { tmaxMs: 1_000 },
      sites: { s: { banner: { w: 300, h: 250 } } },
      bidders: { slow: { endpoint: `${bidder.url}/bid` } },
      notices: { journalDir: path.join(dir, 'notices') },
    }));
    // Through its shebang, as the installed `rtb` command runs.
    const child = spawn(bin, ['start', '--config', config, '--port', '0', '--workers', '1'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const match = /"url":"(http:\/\/[^"]+)"/.exec(stdout);
        if (match) resolve(match[1]);
      });
      child.on('close', () => reject(new Error(`exited early: ${stdout}`)));
    });
    const nodeArgs = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of RTB_NODE_FLAGS) expect(nodeArgs).toContain(flag);
    const inFlight = http(`${url}/ad?site=s`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.kill('SIGTERM');
    const answer = await inFlight;
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(answer.status).toBe(200);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    const lifecycle = ['exchange listening', 'exchange stopping: finishing in-flight auctions', 'auction', 'win', 'exchange stopped'];
    expect(lines.map((line) => line.msg).filter((msg) => lifecycle.includes(msg))).toEqual(lifecycle);
  });
});

describe('one SIGTERM to the process the operator started stops the exchange', () => {
  // npm runs a script through a shell and does not pass SIGTERM on past it: the signal ends npm, and the exchange,
  // re-parented, kept serving. Started by npm, `rtb` follows its parent.
  it.each([
    { how: 'npm start', command: 'npm', args: ['start', '--'] },
    { how: 'npm run rtb -- start', command: 'npm', args: ['run', 'rtb', '--', 'start'] },
    { how: 'npx rtb start', command: 'npx', args: ['rtb', 'start'] },
  ])('$how', async ({ command, args }) => {
    const config = file('npm-started.json', JSON.stringify({ server: { port: 0 }, trackers: { secret: 'cli-test-tracker-secret-npm' }, notices: { journalDir: path.join(dir, 'npm-notices') } }));
    const npm = spawn(command, [...args, '--config', config, '--workers', '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => {
      npm.kill('SIGKILL');
    });
    let stdout = '';
    npm.stdout.on('data', (chunk) => (stdout += chunk));
    await until(() => stdout.includes('"exchange listening"'), 'the exchange listening');
    const exchangePid = JSON.parse(stdout.split('\n').find((line) => line.includes('"exchange listening"'))!).pid as number;
    onTestFinished(() => {
      if (alive(exchangePid)) process.kill(exchangePid, 'SIGKILL');
    });
    expect(exchangePid).not.toBe(npm.pid);
    npm.kill('SIGTERM');
    await until(() => !alive(exchangePid), 'the exchange gone after SIGTERM to npm');
    // Gone by its graceful stop, not killed.
    expect(stdout).toContain('"exchange stopped"');
  });
});

/** Whether a process with this pid is running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a config that brings its own plugins (extensions)', () => {
  let [blocked, allowed]: MockBidder[] = [];
  beforeAll(async () => {
    blocked = await startMockBidder({ price: 2, bidFields: { adomain: ['bad.example'] } });
    allowed = await startMockBidder({ price: 1, bidFields: { adomain: ['good.example'] } });
  });
  afterAll(() => Promise.all([blocked.close(), allowed.close()]));

  // A decorated class from a file of its own (examples/block-domains.ts) and a plugin defined in the config.
  const config = () => file('extended.ts', `import { defineConfig, definePlugin, update } from '${path.join(root, 'core/index.js')}';
import { BlockDomains } from '${path.join(root, 'examples/block-domains.js')}';
const marker = definePlugin((scope) => ({ admRewrite: (_ctx, markup) => update({ ...markup, adm: markup.adm + '<!-- ' + String(scope.options.text) + ' -->' }) }));
export default defineConfig({
  server: { port: 0 },
  sites: { s: { banner: { w: 300, h: 250 } } },
  bidders: { blocked: { endpoint: '${blocked.url}/bid', maxQps: 500 }, allowed: { endpoint: '${allowed.url}/bid' } },
  notices: { journalDir: '${path.join(dir, 'extended-notices')}' },
  plugins: [{ name: 'block-domains', options: { domains: ['bad.example'] } }, { name: 'marker', options: { text: 'marked by an extension' } }],
  extensions: { plugins: { 'block-domains': BlockDomains, marker } },
});
`);

  it('rtb check lists them where the config puts them', async () => {
    const { code, stdout, stderr } = await rtb(['check', '--config', config()]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('bidValidate: core-bid-validation → block-domains → adm-vast → adm-native');
    expect(stdout).toContain('admRewrite: marker → adm-banner → adm-vast → adm-native');
    // A bidder's QPS cap is part of its plan; the other's line is as ever.
    expect(stdout).toContain(`blocked: ${blocked.url}/bid dialect=openrtb pricing=decimal-cpm openrtb=2.6 gzip=false maxQps=500\n`);
    expect(stdout).toContain(`allowed: ${allowed.url}/bid dialect=openrtb pricing=decimal-cpm openrtb=2.6 gzip=false\n`);
  });

  it('rtb start runs them: the blocked advertiser\'s higher bid is rejected (205), the other wins, marked', async () => {
    const { child, exited } = spawnRtb(['start', '--config', config(), '--workers', '1']);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    try {
      await until(() => /"url":"http:\/\/[^"]+"/.test(stdout), 'the exchange listening');
      const url = /"url":"(http:\/\/[^"]+)"/.exec(stdout)![1];
      const answer = await http(`${url}/ad?site=s`);
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('marked by an extension');
      expect((await http(`${url}/metrics`)).text).toContain('rtb_bids_total{bidder="blocked",status="invalid",code="205"} 1');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    const auction = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((line) => line.msg === 'auction');
    expect(auction.bidders).toMatchObject({ blocked: { status: 'invalid' }, allowed: { status: 'win' } });
  });

  it('a name the built-ins use is refused, named by its key', async () => {
    const clash = file('clash.mjs', `export default { extensions: { plugins: { 'second-price': class {} } } };`);
    const { code, stderr } = await rtb(['check', '--config', clash]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('RTB_ERR_CONFIG_INVALID extensions.plugins.second-price: the name is registered already (a built-in, or added in code); choose another');
  });
});

describe('failures no code caught (rtb start)', () => {
  it('an unhandled rejection is logged and the exchange goes on; an uncaught exception is logged as fatal after every buffered line, and the process exits 1', async () => {
    const bidder = await startMockBidder({ price: 1 });
    const logFile = path.join(dir, 'fragile', 'rtb.log');
    const config = file('fragile.ts', `import { defineConfig, definePlugin, noop } from '${path.join(root, 'core/index.js')}';
// Fails outside its hooks: the first winner's rewrite leaves a promise nobody awaits to reject, the second sets a
// timer that throws.
let winners = 0;
const fragile = definePlugin(() => ({
  admRewrite() {
    if (++winners === 1) void Promise.reject(new Error('background work failed'));
    else setTimeout(() => { throw new Error('thrown from a timer'); }, 0);
    return noop();
  },
}));
export default defineConfig({
  server: { port: 0 },
  sites: { s: { banner: { w: 300, h: 250 } } },
  bidders: { x: { endpoint: '${bidder.url}/bid' } },
  notices: { journalDir: '${path.join(dir, 'fragile-notices')}' },
  plugins: ['fragile'],
  extensions: { plugins: { fragile } },
  log: { file: '${logFile}' },
});
`);
    const { exited } = spawnRtb(['start', '--config', config, '--workers', '1']);
    const of = (msg: string) => logFileLines(logFile).filter((line) => String(line.msg).startsWith(msg));
    try {
      await until(() => of('exchange listening').length === 1, 'the exchange listening');
      const url = of('exchange listening')[0]!.url as string;
      expect((await http(`${url}/ad?site=s`)).status).toBe(200);
      await until(() => of('unhandled promise rejection').length === 1, 'the rejection logged');
      expect(of('unhandled promise rejection')[0]).toMatchObject({ level: 50, err: { message: 'background work failed' } });
      // Served, most likely: the timer fires once the answer is written, but the test does not count on it.
      await http(`${url}/ad?site=s`).catch(() => undefined);
      expect(await exited).toBe(1);
    } finally {
      await bidder.close();
    }
    // The second auction's line was still buffered (a file takes batches of 16 kB) when the exception came: written
    // out as the process exited.
    expect(of('auction')).toHaveLength(2);
    expect(of('uncaught exception')).toMatchObject([{ level: 60, err: { message: 'thrown from a timer' } }]);
  });
});

describe('rtb start with log.file', () => {
  // --workers 2: the primary reopens its file and passes the signal on; each of the 3 processes says so in the new file.
  it.each([
    { workers: 1, processes: 1, stopped: 'exchange stopped' },
    { workers: 2, processes: 3, stopped: 'cluster stopped' },
  ])('--workers $workers: SIGHUP after a log rotation reopens the file by its name in every process, and serving goes on', async ({ workers, processes, stopped }) => {
    const bidder = await startMockBidder({ price: 1 });
    const logFile = path.join(dir, `logs-${workers}`, 'rtb.log');
    const config = file(`logged-${workers}.json`, JSON.stringify({
      server: { port: 0 },
      sites: { s: { banner: { w: 300, h: 250 } } },
      bidders: { fast: { endpoint: `${bidder.url}/bid` } },
      trackers: { secret: 'cli-test-tracker-secret-000' },
      notices: { journalDir: path.join(dir, `logged-notices-${workers}`) },
      log: { file: logFile },
    }));
    const { child, exited } = spawnRtb(['start', '--config', config, '--workers', String(workers)]);
    const rotated = `${logFile}.1`;
    const of = (at: string, msg: string) => logFileLines(at).filter((line) => line.msg === msg);
    try {
      await until(() => of(logFile, 'exchange listening').length === workers, 'the exchange listening');
      const url = of(logFile, 'exchange listening')[0]!.url as string;
      expect((await http(`${url}/ad?site=s`)).status).toBe(200);
      await until(() => of(logFile, 'auction').length === 1, 'the first auction logged');

      renameSync(logFile, rotated);
      child.kill('SIGHUP');
      await until(() => new Set(of(logFile, 'log file reopened').map((line) => line.pid)).size === processes, 'every process writing to the new file');
      for (let i = 0; i < 4; i++) expect((await http(`${url}/ad?site=s`)).status).toBe(200);
      await until(() => of(logFile, 'auction').length === 4, 'the later auctions logged in the new file');
      expect(child.exitCode).toBeNull();
      expect(of(rotated, 'auction')).toHaveLength(1);
      expect(of(rotated, 'log file reopened')).toHaveLength(0);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await bidder.close();
    }
    expect(of(logFile, stopped)).toHaveLength(1);
  });
});

it('`npm start` and `npm run rtb` run node with the flags rtb runs with, as the rtb shebang does', () => {
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  for (const flag of RTB_NODE_FLAGS) expect(scripts.start.split(' ')).toContain(flag);
  for (const flag of RTB_NODE_FLAGS) expect(scripts.rtb.split(' ')).toContain(flag);
});
