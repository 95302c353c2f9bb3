import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { it, onTestFinished } from 'vitest';
import { scratchDir } from './scratch-dir.js';
import { until } from './until.js';

/** Whether `redis-server` can run here (Debian's package: `.ci/run` installs it). */
export const HAVE_REDIS = spawnSync('redis-server', ['--version']).status === 0;
if (!HAVE_REDIS) console.warn('Redis tests skipped: no redis-server on the PATH (apt-get install redis-server)');

/** `it`, skipped with the warning above where `redis-server` cannot run (as the browser test is without Chromium). */
export const withRedis = it.skipIf(!HAVE_REDIS);

/** A real `redis-server` a test started on a free loopback port, with its data in a temporary directory. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Sends the server a signal (SIGKILL: a crash) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory: it loads its append-only file. */
  restart(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` (Debian's package; `.ci/run` installs it) on a free port of 127.0.0.1 with persistence
 * `appendonly yes` and `appendfsync` as given (`always` by default: a SIGKILL loses nothing written), no RDB
 * snapshots. Stopped when the calling test finishes. Call it inside a test.
 */
export async function startRedis(options: { appendfsync?: 'always' | 'everysec' } = {}): Promise<TestRedis> {
  const dir = scratchDir('rtb-redis-');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always', '--protected-mode', 'no',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));
    await until(() => {
      if (started.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      return output.includes('Ready to accept connections');
    }, 'redis-server ready');
  };
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  };
  await launch();
  onTestFinished(() => kill('SIGKILL'));
  return { url: `redis://127.0.0.1:${port}`, port, kill, restart: launch };
}
