import { accessSync, constants, writeSync } from 'node:fs';
import { open, readFile, rename, rm, rmdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { RtbStartupError } from '../../core/index.js';
import { lockDirectory, unlockDirectory } from './directory-lock.js';
import type { Notice } from './notice.js';

/**
 * One line of the journal (JSON):
 * - `n` a notice was accepted (a `burl` one also carries the billed impression: `bill`, `billExp`);
 * - `b` an impression was billed (for a bid without `burl`, or in a compacted journal);
 * - `d` notices were delivered (`ids`, one line per write batch); `x` a notice was given up.
 */
export type JournalRecord =
  | ({ readonly t: 'n'; readonly bill?: string; readonly billExp?: number } & Notice)
  | { readonly t: 'b'; readonly key: string; readonly exp: number }
  | { readonly t: 'd'; readonly ids: readonly string[] }
  | { readonly t: 'x'; readonly id: string; readonly why: string };

/**
 * What the journal held at start-up: notices still owed, impressions already billed (key → expiry, ms), and the
 * impression each owed `burl` notice bills (notice id → key and expiry).
 */
export interface JournalState {
  readonly pending: Map<string, Notice>;
  readonly billed: Map<string, number>;
  readonly bills: Map<string, { readonly key: string; readonly exp: number }>;
}

const FILE = 'notices.jsonl';
/**
 * Non-durable records wait up to this long to be written together: a write per auction would cost more than the
 * notices themselves. It is also the most a SIGKILL can lose of win/loss notices; billing records do not wait.
 */
export const JOURNAL_BATCH_MS = 5;
/** Compact once this much was appended since the last compaction (or 4× the last snapshot, if larger). */
const COMPACT_AFTER_BYTES = 64 * 1024 * 1024;

/**
 * The notices plugin's local, durable, append-only journal: `notices.jsonl` (JSON lines) in `notices.journalDir`.
 *
 * - Appends are batched: records appended within {@link JOURNAL_BATCH_MS} go out in one `write` (synchronous:
 *   a few µs into the page cache), off the auction's path. A written record survives the process (SIGTERM, crash, SIGKILL): it is in the kernel's page
 *   cache. Only a record still in the batching window can be lost to a SIGKILL.
 * - {@link commit} writes the buffered batch at once (group commit): the notices plugin appends an intake
 *   batch's records, commits, and sends those notices only once they are written.
 * - A record appended as `durable` (billing) is written at once and `fdatasync`ed before its promise settles,
 *   so a billing survives a power loss too; other notices pay no fsync.
 * - At start-up the journal is replayed (a torn last line from a crash is skipped) and compacted to what is
 *   still live; it is compacted again whenever it has grown enough.
 * - A lock file keeps two running exchanges off one directory.
 */
export class NoticeJournal {
  private buffer: string[] = [];
  /** Notices delivered since the last batch: one `d` line per batch, not one per notice. */
  private deliveredIds: string[] = [];
  /** Whether the buffered batch holds a durable record: it then goes out at once, and is fsynced. */
  private durable = false;
  private batch?: { promise: Promise<boolean>; resolve: (ok: boolean) => void };
  private writing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private appendedBytes = 0;
  private compactAfter = COMPACT_AFTER_BYTES;
  private closed = false;
  /** Why the last write failed, until one succeeds. */
  private writeError?: string;

  private constructor(
    private readonly dir: string,
    private handle: FileHandle,
    private readonly lockId: string,
    private readonly log: Logger,
    /** The live records (pending notices, billed impressions) a compaction keeps. */
    private readonly snapshot: () => Iterable<JournalRecord>,
  ) {}

  /**
   * Locks `dir`, replays its journal, compacts it to `snapshot(state)` and opens it for appending. Throws
   * {@link RtbStartupError} when another running exchange holds the directory or it cannot be written.
   */
  static async open(dir: string, log: Logger, snapshot: (state: JournalState) => () => Iterable<JournalRecord>): Promise<{ journal: NoticeJournal; state: JournalState }> {
    const lockId = lockDirectory(dir);
    try {
      const file = path.join(dir, FILE);
      const state = await replay(file, log);
      const live = snapshot(state);
      const size = await writeSnapshot(dir, live());
      const handle = await open(file, 'a');
      const journal = new NoticeJournal(dir, handle, lockId, log, live);
      journal.compactAfter = Math.max(COMPACT_AFTER_BYTES, 4 * size);
      return { journal, state };
    } catch (error) {
      unlockDirectory(dir, lockId);
      if (error instanceof RtbStartupError) throw error;
      throw new RtbStartupError('RTB_ERR_NOTICES_JOURNAL', [`notices.journalDir: cannot use ${dir}: ${(error as Error).message}`]);
    }
  }

  /**
   * Appends a record. It is written within {@link JOURNAL_BATCH_MS} with whatever else was appended meanwhile,
   * or at once (and fsynced) when `durable`. Resolves once written (to `false` on a write error, which is
   * logged). Callers that only need ordering need not wait: records are written in append order.
   */
  append(record: JournalRecord, durable = false): Promise<boolean> {
    if (this.closed) {
      this.log.error({ record }, 'notice journal is closed; record not written');
      return Promise.resolve(false);
    }
    this.buffer.push(`${JSON.stringify(record)}\n`);
    if (durable) this.durable = true;
    return this.schedule();
  }

  /**
   * Records that a notice was delivered. Deliveries are gathered into one `d` line per batch, written after
   * the batch's other records (so never before the notice's own `n`). Resolves like {@link append}.
   */
  delivered(id: string): Promise<boolean> {
    if (this.closed) {
      this.log.error({ id }, 'notice journal is closed; delivery not recorded');
      return Promise.resolve(false);
    }
    this.deliveredIds.push(id);
    return this.schedule();
  }

  /**
   * Group commit: writes what is buffered now instead of at the end of the batching window (a durable batch, or
   * one queued behind a write in progress, goes out as soon as it can). Resolves like {@link append}, once every
   * record appended so far is written; at once (to `true`) when nothing is buffered. The notices plugin appends a
   * whole intake batch, then commits it, and only then hands its notices to the queue: a notice is never sent
   * before its `n` record is written.
   */
  commit(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!this.batch) {
      // Nothing buffered; what was appended is written, or in the write in progress.
      return this.writing ? this.writing.then(() => this.writeError === undefined) : Promise.resolve(this.writeError === undefined);
    }
    const { promise } = this.batch;
    if (!this.writing && !this.immediate) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.write();
    }
    return promise;
  }

  /**
   * Whether records can be written now (`GET /readyz`): `true`, or why not (closed, the last write failed, the
   * directory is not writable). One `access` call: cheap enough for every probe.
   */
  writable(): true | string {
    if (this.closed) return 'notice journal closed';
    if (this.writeError) return `notice journal write failed: ${this.writeError}`;
    try {
      accessSync(this.dir, constants.W_OK);
      return true;
    } catch (error) {
      return `notice journal directory not writable: ${(error as Error).message}`;
    }
  }

  /** Writes what is buffered, fsyncs, releases the lock. Appends after this are refused (and logged). */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    while (this.writing || !this.idle) {
      if (!this.writing) this.write();
      await this.writing;
    }
    this.closed = true;
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
      unlockDirectory(this.dir, this.lockId);
    }
  }

  /**
   * Closes the journal and removes its file and folder: another journal has taken over what it held (the shared
   * ledger adopting a worker slot's journal).
   */
  async retire(): Promise<void> {
    await this.close();
    await rm(path.join(this.dir, FILE), { force: true });
    await rmdir(this.dir).catch(() => undefined);
  }

  private get idle(): boolean {
    return this.buffer.length === 0 && this.deliveredIds.length === 0;
  }

  private schedule(): Promise<boolean> {
    if (!this.batch) {
      let resolve!: (ok: boolean) => void;
      const promise = new Promise<boolean>((done) => (resolve = done));
      this.batch = { promise, resolve };
    }
    const { promise } = this.batch;
    this.plan();
    return promise;
  }

  /** Schedules the next write: soon for durable records, else within the batching window. One at a time. */
  private plan(): void {
    if (this.writing || this.immediate || this.idle) return;
    if (this.durable) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.write();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.write();
      }, JOURNAL_BATCH_MS);
    }
  }

  /**
   * Writes everything buffered in one `write`, then compacts if due and plans the next. A batch without
   * durable records is written synchronously: a few µs into the page cache, far cheaper than a thread-pool
   * round trip. A durable batch is written and fdatasynced off the event loop (an fsync takes milliseconds).
   */
  private write(): void {
    if (this.writing || this.idle) return;
    if (this.deliveredIds.length) this.buffer.push(`${JSON.stringify({ t: 'd', ids: this.deliveredIds })}\n`);
    const bytes = Buffer.from(this.buffer.join(''), 'utf8');
    const { batch, durable } = this;
    this.buffer = [];
    this.deliveredIds = [];
    this.durable = false;
    this.batch = undefined;
    const written = (ok: boolean, error?: unknown) => {
      if (ok) this.appendedBytes += bytes.length;
      this.writeError = ok ? undefined : (error as Error).message;
      batch?.resolve(ok);
    };
    if (!durable) {
      try {
        for (let offset = 0; offset < bytes.length;) offset += writeSync(this.handle.fd, bytes, offset);
        written(true);
      } catch (error) {
        this.log.error({ err: error, dir: this.dir }, 'notice journal write failed');
        written(false, error);
      }
      if (this.appendedBytes >= this.compactAfter) this.compactInBackground();
      else this.plan();
      return;
    }
    this.writing = (async () => {
      try {
        await this.handle.write(bytes);
        await this.handle.datasync();
        written(true);
      } catch (error) {
        this.log.error({ err: error, dir: this.dir }, 'notice journal write failed');
        written(false, error);
      }
      if (this.appendedBytes >= this.compactAfter) await this.compact();
    })().finally(() => {
      this.writing = undefined;
      if (!this.closed) this.plan();
    });
  }

  private compactInBackground(): void {
    this.writing = this.compact().finally(() => {
      this.writing = undefined;
      if (!this.closed) this.plan();
    });
  }

  /** Rewrites the journal as its live records only (write a temporary file, fsync, rename). */
  private async compact(): Promise<void> {
    try {
      const size = await writeSnapshot(this.dir, this.snapshot());
      const previous = this.handle;
      this.handle = await open(path.join(this.dir, FILE), 'a');
      await previous.close();
      this.appendedBytes = 0;
      this.compactAfter = Math.max(COMPACT_AFTER_BYTES, 4 * size);
      this.log.debug({ dir: this.dir, bytes: size }, 'notice journal compacted');
    } catch (error) {
      this.appendedBytes = 0;
      this.log.error({ err: error, dir: this.dir }, 'notice journal compaction failed; appending to the old file');
    }
  }
}

/** Reads every record of the journal into the state it describes. Unreadable lines are skipped and counted. */
async function replay(file: string, log: Logger): Promise<JournalState> {
  const pending = new Map<string, Notice>();
  const billed = new Map<string, number>();
  const bills = new Map<string, { key: string; exp: number }>();
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      unreadable++;
      continue;
    }
    if (record.t === 'n') {
      const { t: _t, bill, billExp, ...notice } = record;
      pending.set(notice.id, notice);
      if (bill !== undefined && billExp !== undefined) {
        billed.set(bill, billExp);
        bills.set(notice.id, { key: bill, exp: billExp });
      }
    } else if (record.t === 'b') {
      billed.set(record.key, record.exp);
    } else if (record.t === 'd' && Array.isArray(record.ids)) {
      for (const id of record.ids) {
        pending.delete(id);
        bills.delete(id);
      }
    } else if (record.t === 'x') {
      pending.delete(record.id);
      bills.delete(record.id);
    } else {
      unreadable++;
    }
  }
  const now = Date.now();
  for (const [key, expiresAt] of billed) if (expiresAt <= now) billed.delete(key);
  if (unreadable) log.warn({ file, unreadable }, 'notice journal: skipped unreadable lines (a write torn by a crash)');
  return { pending, billed, bills };
}

/** Replaces the journal with `records`, atomically and durably. Returns its size in bytes. */
async function writeSnapshot(dir: string, records: Iterable<JournalRecord>): Promise<number> {
  const temporary = path.join(dir, `${FILE}.tmp`);
  const handle = await open(temporary, 'w');
  let size = 0;
  try {
    let chunk: string[] = [];
    for (const record of records) {
      chunk.push(`${JSON.stringify(record)}\n`);
      if (chunk.length === 4096) {
        const text = chunk.join('');
        await handle.write(text);
        size += Buffer.byteLength(text);
        chunk = [];
      }
    }
    const text = chunk.join('');
    await handle.write(text);
    size += Buffer.byteLength(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path.join(dir, FILE));
  // The rename itself must survive a power loss: fsync the directory (not supported everywhere).
  const directory = await open(dir, 'r');
  await directory.sync().catch(() => undefined);
  await directory.close();
  return size;
}
