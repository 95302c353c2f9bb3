import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TrackerTokenCodec } from '../../core/index.js';
import { startMockBidder } from '../../core/testing/index.js';
import { http } from '../../test/helpers.js';
import { until } from '../../test/until.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'core/bin.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rtb-notices-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A running `rtb start` child: its URL and the JSON log lines it wrote so far. */
interface Started { child: ChildProcess; url: string; lines: Array<Record<string, unknown>>; exited: Promise<number | null> }

/** Spawns `node core/bin.mjs start --config FILE` and waits for its "exchange listening" line. */
async function start(config: string): Promise<Started> {
  const child = spawn(process.execPath, [bin, 'start', '--config', config, '--workers', '1'], { cwd: root });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.on('data', (chunk) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const text of complete) if (text) lines.push(JSON.parse(text));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => lines.some((line) => line.msg === 'exchange listening') || child.exitCode !== null, 'the exchange listening', 30_000);
  const listening = lines.find((line) => line.msg === 'exchange listening');
  if (!listening) throw new Error(`exited early: ${stderr}`);
  return { child, url: listening.url as string, lines, exited };
}

describe('notices survive SIGKILL', () => {
  it('a queued win notice is delivered once after a kill -9 and restart; a delivered billing is never repeated', async () => {
    const bidder = await startMockBidder({ price: 2, noticeStatuses: [503] });
    bidder.set({ nurl: `${bidder.url}/win?id=\${AUCTION_ID}&price=\${AUCTION_PRICE}` });
    const secret = 'crash-test-tracker-secret-0123';
    const journalDir = path.join(dir, 'journal');
    const config = path.join(dir, 'crash.json');
    writeFileSync(config, JSON.stringify({
      server: { port: 0 },
      sites: { s: { banner: { w: 300, h: 250 }, floor: 0.5 } },
      bidders: { a: { endpoint: `${bidder.url}/bid` } },
      trackers: { secret },
      // No retry within the test: the notice waits in the journal.
      notices: { journalDir, retryBaseMs: 600_000, retryMaxMs: 600_000, drainTimeoutMs: 2_000 },
    }));
    const journal = () => (existsSync(path.join(journalDir, 'notices.jsonl')) ? readFileSync(path.join(journalDir, 'notices.jsonl'), 'utf8') : '');
    const records = () => journal().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const noticesOn = (pathname: string) => bidder.notices.filter((notice) => notice.url.startsWith(pathname)).map((notice) => notice.status);

    try {
      const first = await start(config);
      expect((await http(`${first.url}/ad?site=s`)).status).toBe(200);
      await until(() => noticesOn('/win').length === 1 && records().some((record) => record.kind === 'nurl'), 'the win notice refused and journaled');

      // A billing, delivered and journaled as delivered, before the crash.
      const token = new TrackerTokenCodec(secret).seal({
        kind: 'impression', auctionId: 'minted-1', auctionStartedAt: Date.now(), bidder: 'a', bidId: 'b1', impId: '1',
        clearingMicros: 510_000, expiresAt: Date.now() + 3_600_000, burl: `${bidder.url}/bill?ts=\${AUCTION_IMP_TS}`,
      });
      expect((await http(`${first.url}/t/imp?t=${token}`)).status).toBe(200);
      await until(() => {
        const billing = records().find((record) => record.kind === 'burl');
        return billing !== undefined && records().some((record) => record.t === 'd' && (record.ids as string[]).includes(billing.id as string));
      }, 'the billing delivered and journaled');
      expect(noticesOn('/bill')).toEqual([200]);

      first.child.kill('SIGKILL');
      await first.exited;

      const second = await start(config);
      await until(() => noticesOn('/win').length === 2, 'the owed win notice delivered after the restart');
      expect(second.lines.find((line) => line.msg === 'notices: resuming delivery of notices owed from the journal')).toMatchObject({ pending: 1, billed: 1 });
      expect((await http(`${second.url}/t/imp?t=${token}`)).status).toBe(200);
      await until(() => second.lines.some((line) => line.msg === 'impression'), 'the reload logged');
      expect(second.lines.find((line) => line.msg === 'impression')).toMatchObject({ duplicate: true, auctionId: 'minted-1' });
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      // A third start owes nothing: whatever it would resend, its drain would deliver before it exits.
      const third = await start(config);
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);

      expect(noticesOn('/win')).toEqual([503, 200]);
      expect(noticesOn('/bill')).toEqual([200]);
      const win = bidder.notices.find((notice) => notice.status === 200 && notice.url.startsWith('/win'))!;
      expect(new URL(win.url, 'http://x').searchParams.get('price')).toBe('0.5');
      expect(third.lines.some((line) => line.msg === 'notices: resuming delivery of notices owed from the journal')).toBe(false);
    } finally {
      await bidder.close();
    }
  });

  it('group commit: every notice a bidder received before a kill -9 was journaled first, and is delivered once after the restart', async () => {
    const AUCTIONS = 6;
    const winner = await startMockBidder({ price: 2, noticeStatuses: Array(AUCTIONS).fill(503) });
    const loser = await startMockBidder({ price: 1, noticeStatuses: Array(AUCTIONS).fill(503) });
    winner.set({ nurl: `${winner.url}/win?id=\${AUCTION_ID}` });
    loser.set({ lurl: `${loser.url}/loss?id=\${AUCTION_ID}&loss=\${AUCTION_LOSS}` });
    const config = path.join(dir, 'group-commit.json');
    writeFileSync(config, JSON.stringify({
      server: { port: 0 },
      sites: { s: { banner: { w: 300, h: 250 }, floor: 0.5 } },
      bidders: { a: { endpoint: `${winner.url}/bid` }, b: { endpoint: `${loser.url}/bid` } },
      notices: { journalDir: path.join(dir, 'group-commit-journal'), retryBaseMs: 600_000, retryMaxMs: 600_000, drainTimeoutMs: 2_000 },
    }));
    const urls = (bidder: typeof winner, status: number) => bidder.notices.filter((notice) => notice.status === status).map((notice) => notice.url).sort();
    try {
      const first = await start(config);
      // Concurrent auctions: their notices are taken in together, in one batch or a few.
      const answers = await Promise.all(Array.from({ length: AUCTIONS }, () => http(`${first.url}/ad?site=s`)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(AUCTIONS).fill(200));
      await until(() => winner.notices.length === AUCTIONS && loser.notices.length === AUCTIONS, 'every notice sent once and refused');
      // Killed as soon as the bidders have seen them: nothing gets a later chance to write the journal.
      first.child.kill('SIGKILL');
      await first.exited;

      const second = await start(config);
      await until(() => winner.notices.length === 2 * AUCTIONS && loser.notices.length === 2 * AUCTIONS, 'every notice delivered after the restart');
      expect(second.lines.find((line) => line.msg === 'notices: resuming delivery of notices owed from the journal')).toMatchObject({ pending: 2 * AUCTIONS });
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      // The same notices, each delivered (200) exactly once, none lost, none twice.
      expect(urls(winner, 200)).toEqual(urls(winner, 503));
      expect(urls(loser, 200)).toEqual(urls(loser, 503));
      expect(new Set(urls(winner, 200)).size).toBe(AUCTIONS);
      expect(new Set(urls(loser, 200)).size).toBe(AUCTIONS);
      expect(urls(loser, 200).every((url) => url.includes('loss=102'))).toBe(true);
    } finally {
      await Promise.all([winner.close(), loser.close()]);
    }
  });
});
