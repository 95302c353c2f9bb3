import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test/scratch-dir.js';
import { createLog } from './log.js';

const logFile = (): string => path.join(scratchDir('rtb-log-'), 'exchange.log');

const lines = <Line = { msg: string; n?: number; time: string }>(file: string): Line[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line) : []);

describe('createLog', () => {
  it('writes a lone line without waiting for a batch to fill up', async () => {
    const file = logFile();
    const { log, flush } = createLog({ level: 'info', file });
    log.info('lone line');
    const deadline = Date.now() + 5_000;
    while (lines(file).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines(file).map((line) => line.msg)).toEqual(['lone line']);
    await flush();
  });

  it('reopen after a rotation: every line lands whole, in order, in the old file then the new one', async () => {
    const file = logFile();
    const { log, flush, reopen } = createLog({ level: 'info', file });
    for (let n = 0; n < 1_000; n++) log.info({ n }, 'line');
    await flush();
    for (let n = 1_000; n < 2_000; n++) {
      log.info({ n }, 'line');
      if (n === 1_499) {
        // As logrotate does: the file moves away, then the process is told (SIGHUP) while lines are still buffered.
        renameSync(file, `${file}.1`);
        reopen();
      }
    }
    await flush();
    const [rotated, fresh] = [lines(`${file}.1`), lines(file)];
    const all = [...rotated, ...fresh].map((line) => line.n ?? line.msg);
    expect(all).toEqual([...Array.from({ length: 1_500 }, (_, n) => n), 'log file reopened', ...Array.from({ length: 500 }, (_, n) => 1_500 + n)]);
    // The lines written before the rotation are in the old file; the reopened line and the later ones in the new.
    expect(rotated.length).toBeGreaterThanOrEqual(1_000);
    expect(fresh.at(-1)).toMatchObject({ n: 1_999 });
    expect(fresh.find((line) => line.msg === 'log file reopened')).toMatchObject({ file });
  });

  it('a process that exits right after logging (process.exit, no flush: the log flushes itself at exit) still writes every line, in order', () => {
    const file = logFile();
    const logModule = fileURLToPath(new URL('./log.ts', import.meta.url));
    const script = `const { createLog } = await import(${JSON.stringify(logModule)}); const { log } = createLog({ level: 'info', file: ${JSON.stringify(file)} }); for (let n = 0; n < 300; n++) log.info({ n }, 'line'); process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(lines(file).map((line) => line.n)).toEqual(Array.from({ length: 300 }, (_, n) => n));
  });

  it('reopen with standard output has nothing to do', () => {
    expect(() => createLog({ level: 'silent' }).reopen()).not.toThrow();
  });

  it('flush writes every buffered line, in order, each with its ISO time', async () => {
    const file = logFile();
    const { log, flush } = createLog({ level: 'info', file });
    const before = Date.now();
    for (let n = 0; n < 1_000; n++) log.info({ n }, 'line');
    await flush();
    const written = lines(file);
    expect(written.map((line) => line.n)).toEqual(Array.from({ length: 1_000 }, (_, n) => n));
    const times = written.map((line) => Date.parse(line.time));
    expect(written[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times.every((time, i) => i === 0 || time >= times[i - 1]!)).toBe(true);
  });

  it('two writers of one log.file (cluster workers) never cut into each other\'s lines, whatever the batch size', async () => {
    const file = logFile();
    const writers = [createLog({ level: 'info', file }), createLog({ level: 'info', file })];
    // Long lines, written by both at once: batches near the 64 kB a write may take, appended concurrently.
    const filler = 'x'.repeat(1_500);
    for (let n = 0; n < 2_000; n++) for (const [w, { log }] of writers.entries()) log.info({ n, w, filler }, 'line');
    await Promise.all(writers.map(({ flush }) => flush()));
    const written = lines<{ n: number; w: number; filler: string }>(file);
    expect(written).toHaveLength(4_000);
    for (const w of [0, 1]) expect(written.filter((line) => line.w === w).map((line) => line.n)).toEqual(Array.from({ length: 2_000 }, (_, n) => n));
    expect(written.every((line) => line.filler === filler)).toBe(true);
  });
});
