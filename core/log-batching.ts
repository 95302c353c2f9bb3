import type pino from 'pino';

/** The asynchronous destination `pino.destination()` builds (sonic-boom). */
type Destination = ReturnType<typeof pino.destination>;

/**
 * Puts a batching step in front of a sonic-boom destination: pino's lines are gathered here and handed over in
 * batches of at least `minLength` bytes, never more than `maxWrite` (cut between lines), so that each of
 * sonic-boom's own writes is one batch.
 *
 * Why: for every line, sonic-boom measures the byte length of the batch it is appending to, which flattens that
 * growing string: a copy of up to `maxWrite` bytes per line (measured: 12.6 µs per auction log line with a 64 kB
 * `maxWrite`, against 5 µs through this step). Here each line is measured once, on its own.
 *
 * The destination's `flush`, `flushSync`, `reopen` and `end` hand over what is gathered first, so sonic-boom's
 * periodic flush, pino's flush at exit and a log rotation see every line, in order.
 */
export function batchLines(destination: Destination, { minLength, maxWrite }: { readonly minLength: number; readonly maxWrite: number }): void {
  const write = destination.write.bind(destination);
  const { flush, flushSync, reopen, end } = destination;
  let gathered = '';
  let bytes = 0;
  const handOver = (): void => {
    if (bytes === 0) return;
    const batch = gathered;
    gathered = '';
    bytes = 0;
    try {
      write(batch);
    } catch {
      // The destination is destroyed (its file or pipe failed): nothing more can be written, and a log line or a
      // flush must not throw for it in its caller (an auction, a timer).
    }
  };
  destination.write = (line: string): boolean => {
    const size = Buffer.byteLength(line);
    if (bytes + size > maxWrite) handOver();
    gathered += line;
    bytes += size;
    if (bytes >= minLength) handOver();
    return true;
  };
  destination.flush = (done?: (error?: Error) => unknown): void => {
    handOver();
    flush.call(destination, done);
  };
  destination.flushSync = (): void => {
    handOver();
    flushSync.call(destination);
  };
  destination.reopen = (file?: string | number): void => {
    handOver();
    reopen.call(destination, file);
  };
  destination.end = (): void => {
    handOver();
    end.call(destination);
  };
}
