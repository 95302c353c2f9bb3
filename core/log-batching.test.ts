import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test/scratch-dir.js';
import { batchLines } from './log-batching.js';

const sizes = { minLength: 1024, maxWrite: 4096 };

/** A batched destination on a scratch file, and every batch it handed to sonic-boom. */
async function batchedDestination() {
  const file = path.join(scratchDir('rtb-log-batching-'), 'lines.log');
  const destination = pino.destination({ dest: file, sync: false, ...sizes });
  const handed: string[] = [];
  const sonicWrite = destination.write.bind(destination);
  destination.write = (data: string) => {
    handed.push(data);
    return sonicWrite(data);
  };
  batchLines(destination, sizes);
  await once(destination, 'ready');
  return { file, destination, handed };
}

describe('batchLines', () => {
  it('hands sonic-boom batches of whole lines, each of minLength bytes or more and none over maxWrite; every line lands, in order', async () => {
    const { file, destination, handed } = await batchedDestination();
    const lines = Array.from({ length: 500 }, (_, n) => `${JSON.stringify({ n, pad: 'é'.repeat(n % 90) })}\n`);
    for (const line of lines) destination.write(line);
    await new Promise<void>((resolve) => destination.flush(() => resolve()));
    destination.flushSync();
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
    expect(handed.join('')).toBe(lines.join(''));
    expect(handed.length).toBeGreaterThan(10);
    for (const [i, batch] of handed.entries()) {
      expect(batch.endsWith('\n')).toBe(true);
      expect(Buffer.byteLength(batch)).toBeLessThanOrEqual(sizes.maxWrite);
      if (i < handed.length - 1) expect(Buffer.byteLength(batch)).toBeGreaterThanOrEqual(sizes.minLength);
    }
  });

  it('a destroyed destination (its file or pipe failed) makes neither a line nor a flush throw', async () => {
    const { destination } = await batchedDestination();
    destination.write('before\n');
    destination.destroy();
    expect(() => {
      for (let n = 0; n < 200; n++) destination.write(`${'y'.repeat(40)} ${n}\n`);
    }).not.toThrow();
    const flushed = new Promise<unknown>((resolve) => destination.flush((error) => resolve(error)));
    await expect(flushed).resolves.toBeInstanceOf(Error);
  });
});
