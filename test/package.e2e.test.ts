import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, jsonLinesOf } from './helpers.js';
import { freePort } from './redis-server.js';
import { until } from './until.js';

// The framework as an outside plugin author gets it (issue 15, "Done when"): the repository packed as npm would
// publish it, the tarball installed into a fresh package in an empty folder (test/plugin-package: a dialect and a
// plugin that import only `rtb-exchange` and `rtb-exchange/testing`), and there, with that package's own tools:
// tsc with `skipLibCheck: false` (and `exactOptionalPropertyTypes`), its vitest tests, `rtb check`, and an ad
// from `rtb start` through the new dialect. npm installs the dependencies from its cache when it has them.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
/** The parent vitest's variables would make the package's own vitest think it runs inside another. */
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|npm_|FORCE_COLOR$)/.test(key))),
  NO_COLOR: '1',
};
const SLOW = 240_000;

let work: string;
let project: string;

/** Runs a command in the package's folder; resolves with its output, rejects (with the output) if it fails. */
async function inProject(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: project, env: { ...env, ...extraEnv }, maxBuffer: 16 << 20 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'rtb-package-'));
  project = path.join(work, 'plugin-package');
  // `prepack` builds dist/ (npm run build) before npm packs the files `files` lists.
  await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, env, maxBuffer: 16 << 20 });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  cpSync(path.join(root, 'test/plugin-package'), project, { recursive: true });
  const manifest = path.join(project, 'package.json');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('file:TARBALL', `file:${path.join(work, tarball)}`));
  await inProject('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
}, SLOW);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed framework, installed into a fresh plugin package', () => {
  it('ships compiled JavaScript and .d.ts, no TypeScript sources and no tests', () => {
    const installed = path.join(project, 'node_modules/rtb-exchange');
    const files = readdirSync(installed, { recursive: true, encoding: 'utf8' });
    expect(files).toContain(path.join('dist', 'core', 'index.d.ts'));
    expect(files).toContain(path.join('dist', 'core', 'testing', 'index.js'));
    expect(files.filter((file) => /\.test\.|(?<!\.d)\.ts$/.test(file))).toEqual([]);
    // One tsyringe for the framework and the plugin: a second copy would not know the plugin's classes.
    expect(readdirSync(path.join(installed, '..'))).toContain('tsyringe');
    expect(() => readdirSync(path.join(installed, 'node_modules/tsyringe'))).toThrow();
  });

  it('type-checks a plugin and a dialect that import only rtb-exchange and rtb-exchange/testing (skipLibCheck: false)', async () => {
    expect(JSON.parse(readFileSync(path.join(project, 'tsconfig.json'), 'utf8')).compilerOptions.skipLibCheck).toBe(false);
    await inProject(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.']);
  }, SLOW);

  it("runs the package's vitest tests, with no transform settings", async () => {
    const output = await inProject(process.execPath, [path.join(project, 'node_modules/vitest/vitest.mjs'), 'run']);
    expect(output).toMatch(/Tests\s+8 passed/);
  }, SLOW);

  it('rtb check (the installed bin) resolves the new dialect and plugin', async () => {
    const output = await inProject(path.join(project, 'node_modules/.bin/rtb'), ['check']);
    expect(output).toContain('flat: http://127.0.0.1:9301/bid dialect=flatbid');
    expect(output).toMatch(/bidValidate: core-bid-validation → min-cpm/);
  }, SLOW);

  it('rtb start serves an ad won through the new dialect', async () => {
    const [port, bidderPort] = [await freePort(), await freePort()];
    const child = spawn(path.join(project, 'node_modules/.bin/rtb'), ['start', '--port', String(port), '--workers', '1'], {
      cwd: project,
      env: { ...env, FLATBID_PORT: String(bidderPort), RTB_TRACKER_SECRET: 'package test tracker secret, 32+ chars' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = jsonLinesOf(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    try {
      await until(() => lines.some((line) => line.msg === 'exchange listening') || child.exitCode !== null, 'the exchange listening', 60_000);
      expect(stderr).toBe('');
      const ad = await http(`http://127.0.0.1:${port}/ad?site=home`);
      expect(ad.status).toBe(200);
      expect(ad.text).toContain('flatbid ad on 1');
      const isAuctionLine = (line: Record<string, unknown>) => line.auctionId !== undefined && typeof line.bidders === 'object';
      await until(() => lines.some(isAuctionLine), 'the auction log line');
      const auction = lines.find(isAuctionLine) as { bidders: Record<string, { status: string; priceMicros: number }> };
      expect(auction.bidders.flat).toMatchObject({ status: 'win', priceMicros: 1_250_000 });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, SLOW);
});
