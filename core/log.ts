import pino, { type Logger } from 'pino';
import { workerSlot } from './cluster.js';
import { batchLines } from './log-batching.js';
import type { RtbConfig } from './config/schema.js';

/** A logger and the way to flush it on shutdown. */
export interface ExchangeLog {
  readonly log: Logger;
  /** Writes out every buffered line, in order. */
  flush(): Promise<void>;
  /**
   * Reopens `log.file` by its name (SIGHUP, once a log rotation has moved the file away): the lines still
   * buffered, a `log file reopened` line and every later one go to the new file. Nothing to do for standard
   * output.
   */
  reopen(): void;
}

/**
 * pino's ISO timestamp, formatted once per millisecond rather than once per line: an auction writes several lines
 * (its own, and with notices on its win and loss events) within the same millisecond.
 */
function isoTimeOncePerMs(): () => string {
  let at = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== at) {
      at = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/**
 * Lines are written in batches: one write once this many bytes wait, or every {@link FLUSH_EVERY_MS} at the latest.
 * No write is longer than {@link MAX_WRITE_BYTES} (sonic-boom cuts batches between lines), Linux's PIPE_BUF: the
 * workers of a cluster share the primary's standard output, and only writes that short reach a pipe whole, so two
 * workers' lines never interleave mid-line.
 */
const BATCH_BYTES = 3072;
const MAX_WRITE_BYTES = 4096;
/**
 * A `log.file` gets batches 4 times bigger, and a quarter of the writes (measured: about 3% of a core auction's CPU
 * at 1000/s): each writer opens it for appending, and a local filesystem appends each write whole, whatever its
 * size, so PIPE_BUF does not bound it.
 */
const FILE_BATCH_BYTES = 16_384;
const FILE_MAX_WRITE_BYTES = 65_536;
const FLUSH_EVERY_MS = 100;

/**
 * The exchange's pino logger: JSON lines to standard output or to `log.file`, in batches (a write per few kB, or
 * per 100 ms when traffic is light): a write per line cost every auction a system call per line. Flushed on
 * shutdown and when the process exits (an uncaught exception included); a process killed outright (SIGKILL, the
 * OOM killer) loses at most the last 100 ms of lines.
 *
 * - `log.file` is written synchronously, a batch at a time (measured: 7–9 µs of the event loop per 16 kB batch,
 *   against 36–40 µs of CPU for an asynchronous write): a regular file takes a write at once, with no reader to wait
 *   for, and every line is in the file, in order, once the flush at exit returns. An asynchronous write still in
 *   flight at exit is one that flush cannot wait for (sonic-boom's `flushSync` skips it): the last batch landed
 *   before it (seen in CI), and a write not yet started by the thread pool would be lost.
 * - Standard output is written asynchronously: its reader (a terminal, a log collector) can be slow, and Node makes
 *   a pipe non-blocking once `process.stdout` is used, where a synchronous write of a full pipe would stall the
 *   event loop (sonic-boom sleeps 100 ms and retries). At an exit with a write in flight, the lines after it can
 *   land before it.
 */
export function createLog(config: RtbConfig['log']): ExchangeLog {
  const [minLength, maxWrite] = config.file === undefined ? [BATCH_BYTES, MAX_WRITE_BYTES] : [FILE_BATCH_BYTES, FILE_MAX_WRITE_BYTES];
  const destination = pino.destination({ dest: config.file ?? 1, sync: config.file !== undefined, mkdir: true, minLength, maxWrite, periodicFlush: FLUSH_EVERY_MS });
  batchLines(destination, { minLength, maxWrite });
  // A cluster worker's lines carry its slot too: the pid changes when a worker is replaced, the slot does not.
  const slot = workerSlot();
  const log = pino({ level: config.level, base: slot === undefined ? { pid: process.pid } : { pid: process.pid, slot }, timestamp: isoTimeOncePerMs() }, destination);
  return {
    log,
    // `flush` waits for the write in progress but may leave less than a batch buffered (sonic-boom writes on only
    // past `minLength`): once it is done, nothing is being written, and `flushSync` writes the rest in order.
    flush: () =>
      new Promise<void>((resolve) => destination.flush(() => resolve())).then(() => {
        try {
          destination.flushSync();
        } catch {
          // The destination is destroyed (its file or pipe failed): nothing more can be written.
        }
      }),
    reopen: () => {
      if (config.file === undefined) return;
      try {
        destination.reopen();
      } catch {
        // The destination is destroyed (its file failed): a signal handler must not throw for that.
        return;
      }
      log.info({ file: config.file }, 'log file reopened');
    },
  };
}
