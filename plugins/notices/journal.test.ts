import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RtbStartupError } from '../../core/index.js';
import { LogCapture } from '../../core/testing/index.js';
import { NoticeJournal, type JournalRecord, type JournalState } from './journal.js';
import { scratchDir } from '../../test/scratch-dir.js';
import type { Notice } from './notice.js';

const scratch = () => scratchDir('rtb-journal-');

const notice = (id: string, kind: Notice['kind'] = 'nurl'): Notice => ({ id, kind, bidder: 'dsp', auctionId: 'a1', url: `http://127.0.0.1:9/${id}`, acceptedAt: Date.now() });
const file = (dir: string) => path.join(dir, 'notices.jsonl');
const lines = (dir: string) => readFileSync(file(dir), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalRecord);

/** Opens a journal whose live records are exactly what it replayed (the plugin keeps them in memory likewise). */
async function openJournal(dir: string, logs = new LogCapture()) {
  let replayed!: JournalState;
  const { journal, state } = await NoticeJournal.open(dir, logs.log, (state) => {
    replayed = state;
    return function* () {
      for (const [key, exp] of replayed.billed) yield { t: 'b', key, exp } as JournalRecord;
      for (const pending of replayed.pending.values()) yield { t: 'n', ...pending } as JournalRecord;
    };
  });
  return { journal, state, logs };
}

describe('notice journal', () => {
  it('replays what is still owed and what was billed, skipping a line torn by a crash, and compacts', async () => {
    const dir = scratch();
    const first = await openJournal(dir);
    const future = Date.now() + 60_000;
    void first.journal.append({ t: 'n', ...notice('n1') });
    void first.journal.append({ t: 'n', ...notice('n2') });
    void first.journal.append({ t: 'n', ...notice('n3', 'burl'), bill: 'imp-1', billExp: future });
    void first.journal.append({ t: 'b', key: 'imp-2', exp: future });
    void first.journal.append({ t: 'b', key: 'expired', exp: Date.now() - 1 });
    void first.journal.delivered('n1');
    expect(await first.journal.append({ t: 'x', id: 'n2', why: 'gave up' })).toBe(true);
    await first.journal.close();
    appendFileSync(file(dir), '{"t":"d","ids":["n3'); // torn by a kill -9 mid-write

    const second = await openJournal(dir);
    expect([...second.state.pending.keys()]).toEqual(['n3']);
    expect(second.state.pending.get('n3')).toMatchObject({ id: 'n3', kind: 'burl', bidder: 'dsp', url: 'http://127.0.0.1:9/n3' });
    expect([...second.state.billed.keys()].sort()).toEqual(['imp-1', 'imp-2']);
    expect(second.logs.withMessage('notice journal: skipped unreadable lines (a write torn by a crash)')).toHaveLength(1);
    expect(lines(dir).map((record) => record.t).sort()).toEqual(['b', 'b', 'n']);
    await second.journal.close();
  });

  it('a durable append is written when its promise resolves; appends keep their order', async () => {
    const dir = scratch();
    const { journal } = await openJournal(dir);
    void journal.append({ t: 'n', ...notice('n1') });
    expect(await journal.append({ t: 'b', key: 'k', exp: Date.now() + 1000 }, true)).toBe(true);
    expect(lines(dir).map((record) => (record.t === 'b' ? record.key : (record as { id: string }).id))).toEqual(['n1', 'k']);
    await journal.close();
    expect(await journal.delivered('n1')).toBe(false);
  });

  it('commit writes what is buffered at once (group commit), in append order, before its promise resolves', async () => {
    const dir = scratch();
    const { journal } = await openJournal(dir);
    for (let i = 0; i < 50; i++) void journal.append({ t: 'n', ...notice(`n${i}`) });
    const committed = journal.commit();
    // Written synchronously by commit(), not at the end of the batching window.
    expect(lines(dir).map((record) => (record as { id: string }).id)).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`));
    expect(await committed).toBe(true);
    void journal.delivered('n3');
    void journal.delivered('n7');
    void journal.append({ t: 'n', ...notice('n50') });
    expect(await journal.commit()).toBe(true);
    // The batch's records first, then its one `d` line: a delivery never precedes its notice.
    expect(lines(dir).slice(50)).toEqual([{ t: 'n', ...notice('n50'), acceptedAt: expect.any(Number) }, { t: 'd', ids: ['n3', 'n7'] }]);
    expect(await journal.commit()).toBe(true); // nothing buffered
    await journal.close();
    expect(await journal.commit()).toBe(false);
  });

  it('a commit behind a durable write resolves once both are written, in order', async () => {
    const dir = scratch();
    const { journal } = await openJournal(dir);
    const billing = journal.append({ t: 'b', key: 'k', exp: Date.now() + 60_000 }, true);
    // The durable write starts in the journal's setImmediate, queued before this one: it is in progress now.
    await new Promise((resolve) => setImmediate(resolve));
    void journal.append({ t: 'n', ...notice('after') });
    const committed = journal.commit();
    expect(await committed).toBe(true);
    expect(await billing).toBe(true);
    expect(lines(dir).map((record) => record.t)).toEqual(['b', 'n']);
    await journal.close();
  });

  it('one running exchange per directory: a second open fails until the first closes', async () => {
    const dir = scratch();
    const { journal } = await openJournal(dir);
    await expect(openJournal(dir)).rejects.toThrow(RtbStartupError);
    await expect(openJournal(dir)).rejects.toThrow(/in use by running process/);
    await journal.close();
    const again = await openJournal(dir);
    await again.journal.close();
  });

  it('takes over the lock a killed process left behind', async () => {
    const dir = scratch();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(dir, 'notices.lock'), JSON.stringify({ pid: Number(dead), id: 'gone' }));
    const { journal } = await openJournal(dir);
    await journal.close();
  });
});
