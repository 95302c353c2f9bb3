import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RtbStartupError } from '../../core/index.js';

// The journal directory's lock: `notices.lock` holds the pid of the process using the directory and an id of this
// holding, so that two running exchanges never share one journal, and a lock left by a process that died (SIGKILL,
// crash) is taken over at the next start.

const LOCK = 'notices.lock';

/** Lock instances this process holds: tells a live lock of ours from a stale one left by a process with our pid. */
const heldLocks = new Set<string>();

/** Takes the directory's lock, or throws when a running process holds it. Returns this holder's id. */
export function lockDirectory(dir: string): string {
  const lockFile = path.join(dir, LOCK);
  const id = randomBytes(8).toString('hex');
  try {
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(lockFile, JSON.stringify({ pid: process.pid, id }), { flag: 'wx' });
      heldLocks.add(id);
      return id;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(lockFile);
    if (holder && isRunning(holder.pid) && (holder.pid !== process.pid || heldLocks.has(holder.id))) {
      throw new RtbStartupError('RTB_ERR_NOTICES_JOURNAL', [`notices.journalDir: ${dir} is in use by running process ${holder.pid}`]);
    }
    // A stale lock, left by a process that died (SIGKILL, crash): take it over.
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, id }));
    heldLocks.add(id);
    return id;
  } catch (error) {
    if (error instanceof RtbStartupError) throw error;
    throw new RtbStartupError('RTB_ERR_NOTICES_JOURNAL', [`notices.journalDir: cannot use ${dir}: ${(error as Error).message}`]);
  }
}

/** Releases the lock `id` holds on `dir` (nothing when another holder took it over). */
export function unlockDirectory(dir: string, id: string): void {
  heldLocks.delete(id);
  const lockFile = path.join(dir, LOCK);
  if (readLock(lockFile)?.id !== id) return;
  try {
    unlinkSync(lockFile);
  } catch {
    // A lock file we cannot clear is stale for the next start anyway.
  }
}

function readLock(lockFile: string): { pid: number; id: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: unknown; id?: unknown };
    return typeof parsed.pid === 'number' && typeof parsed.id === 'string' ? { pid: parsed.pid, id: parsed.id } : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
