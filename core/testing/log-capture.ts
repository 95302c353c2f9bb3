import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A log line captured by the test harness, parsed. */
export type LogLine = Record<string, unknown> & { msg?: string; level: number };

/** Log lines kept in memory, for assertions on what the exchange logged. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly log: Logger;

  constructor(level = 'debug') {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString('utf8').split('\n')) if (text) this.lines.push(JSON.parse(text) as LogLine);
        done();
      },
    });
    this.log = pino({ level }, sink);
  }

  /** Lines whose `msg` is `msg`. */
  withMessage(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }
}
