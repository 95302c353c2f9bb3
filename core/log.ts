import pino, { type Logger } from 'pino';
import type { RtbConfig } from './config/schema.js';

/** A logger and the way to flush it on shutdown. */
export interface ExchangeLog {
  readonly log: Logger;
  /** Writes out every buffered line, in order. */
  flush(): Promise<void>;
}

/**
 * The exchange's pino logger: JSON lines to standard output or to `log.file`, written asynchronously so
 * logging stays off the auction's critical path, flushed on shutdown.
 */
export function createLog(config: RtbConfig['log']): ExchangeLog {
  const destination = pino.destination({ dest: config.file ?? 1, sync: false, mkdir: true });
  const log = pino({ level: config.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    log,
    flush: () => new Promise((resolve) => destination.flush(() => resolve())),
  };
}
