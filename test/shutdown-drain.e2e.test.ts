// SIGTERM under load (issue 13.3): `rtb start` at a paced 200 requests/s, half on kept-alive connections and
// half on a new connection each, is sent SIGTERM in the middle of the load; every request sent before the signal
// must be answered 200/204 (no ECONNRESET, no hang-up), and the process must exit 0. Repeated, since a reset hides
// in a race: Node's `server.close()` used to destroy connections whose request was still unread.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool, request } from 'undici';
import { startMockBidder, type MockBidder } from '../core/testing/index.js';
import { spawnRtb } from './helpers.js';
import { scratchDir } from './scratch-dir.js';

/** A free loopback port (cluster workers share one port, so it is chosen before the start). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Keeps every core busy for `ms` (one spinning process per core): the race a stop can lose shows on a busy machine,
 * where the exchange reads what reached it late. Without it, the old `server.close()` passed this test at rest and
 * failed it in most runs under load.
 */
function busyCores(ms: number): void {
  for (let core = 0; core < availableParallelism(); core++) {
    spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], { stdio: 'ignore' });
  }
}

/** What a run saw: answers by status, failures by error code. */
interface RunOutcome {
  readonly sent: number;
  readonly statuses: Record<number, number>;
  readonly failures: Record<string, number>;
  readonly exitCode: number | null;
}

// A quick bidder and a slow one: every auction waits about 250 ms, so some 50 requests are in flight at the signal.
let quick: MockBidder;
let slow: MockBidder;
beforeAll(async () => {
  quick = await startMockBidder({ price: 1, delayMs: 40 });
  slow = await startMockBidder({ price: 2, delayMs: 250 });
});
afterAll(async () => {
  await quick.close();
  await slow.close();
});

/** Starts `rtb start --workers N`, loads it at 200/s, sends SIGTERM after `signalAfterMs`, stops sending then. */
async function runOnce(workers: number, signalAfterMs: number): Promise<RunOutcome> {
  const dir = scratchDir('rtb-drain-');
  const port = await freePort();
  const config = path.join(dir, 'rtb.config.json');
  writeFileSync(config, JSON.stringify({
    server: { port, shutdownTimeoutMs: 5_000 },
    sites: { s: { banner: { w: 300, h: 250 } } },
    bidders: { quick: { endpoint: `${quick.url}/bid` }, slow: { endpoint: `${slow.url}/bid` } },
    notices: { journalDir: path.join(dir, 'notices') },
  }));
  const { child, exited } = spawnRtb(['start', '--config', config, '--workers', String(workers)]);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stdout += chunk));
  const listening = () => stdout.split('"exchange listening"').length - 1;
  while (listening() < workers) {
    if (child.exitCode !== null) throw new Error(`rtb exited early: ${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = `http://127.0.0.1:${port}`;
  // Enough connections that no request waits in the pool for one: a request waiting there has not reached the server.
  const keptAlive = new Pool(url, { connections: 64 });
  const statuses: Record<number, number> = {};
  const failures: Record<string, number> = {};
  const answers: Promise<void>[] = [];
  let sent = 0;
  const send = () => {
    sent++;
    // Every other request on a connection of its own (`reset`: `Connection: close`, a new connection per request).
    const fresh = sent % 2 === 0;
    const sentAt = performance.now();
    const call = fresh ? request(`${url}/ad?site=s`, { reset: true }) : keptAlive.request({ path: '/ad?site=s', method: 'GET' });
    answers.push(call.then(
      async (answer) => {
        await answer.body.dump();
        statuses[answer.statusCode] = (statuses[answer.statusCode] ?? 0) + 1;
      },
      (error: NodeJS.ErrnoException) => {
        // Named with its connection kind and when it was sent and failed (ms into the run), for a failure's message.
        const code = `${error.code ?? error.name} (${fresh ? 'new connection' : 'kept alive'}, sent at ${(sentAt - began).toFixed(0)}, failed at ${(performance.now() - began).toFixed(0)})`;
        failures[code] = (failures[code] ?? 0) + 1;
      },
    ));
  };
  const began = performance.now();
  setTimeout(() => busyCores(600), signalAfterMs - 300);
  await new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      const due = Math.floor((performance.now() - began) / 5); // one every 5 ms: 200/s
      while (sent < due) send();
      if (performance.now() - began >= signalAfterMs) {
        clearInterval(ticker);
        // The last requests were handed to undici in this tick; it connects and writes them in the next ones, and
        // the signal follows 5 ms later: the last connections reach the server as it begins to drain.
        setTimeout(() => {
          child.kill('SIGTERM');
          resolve();
        }, 5);
      }
    }, 1);
  });
  await Promise.all(answers);
  const exitCode = await exited;
  await keptAlive.close();
  return { sent, statuses, failures, exitCode };
}

describe('SIGTERM under a paced load', () => {
  it.each([
    { workers: 1, runs: 8 },
    { workers: 2, runs: 3 },
  ])('--workers $workers: every request sent before the signal is answered, none reset, exit 0 ($runs runs)', async ({ workers, runs }) => {
    for (let run = 0; run < runs; run++) {
      // The signal lands at a different moment of the load each run (600 to 900 ms in).
      const outcome = await runOnce(workers, 600 + (run * 37) % 300);
      expect(outcome.failures, `run ${run}: ${JSON.stringify(outcome)}`).toEqual({});
      expect((outcome.statuses[200] ?? 0) + (outcome.statuses[204] ?? 0), `run ${run}: ${JSON.stringify(outcome)}`).toBe(outcome.sent);
      expect(outcome.sent).toBeGreaterThan(100);
      expect(outcome.exitCode).toBe(0);
    }
  }, 120_000);
});
