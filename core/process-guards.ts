import type { Logger } from 'pino';

/** What was thrown, as text for standard error (an error's stack). */
function describe(thrown: unknown): string {
  return thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
}

/**
 * `rtb start`'s answer to failures no code caught, in each process it runs (one process, a cluster worker, the
 * primary):
 * - an unhandled promise rejection (background work of a plugin that nobody awaits) is logged as an error and
 *   the process goes on: it costs that work, not the exchange, where Node's default would end the process;
 * - an uncaught exception leaves the process in an unknown state: it is logged as fatal and the process exits 1
 *   (pino writes out the buffered lines as it exits) for its supervisor (the cluster primary, systemd) to restart
 *   it; the notices it owed are in its journal.
 * `current` gives the logger once there is one; before that (while the exchange starts), both go to standard
 * error.
 */
export function guardProcess(current: () => Logger | undefined): void {
  process.on('unhandledRejection', (reason) => {
    const log = current();
    if (log) log.error({ err: reason }, 'unhandled promise rejection: the work that failed is lost; the exchange goes on');
    else process.stderr.write(`rtb: unhandled promise rejection: ${describe(reason)}\n`);
  });
  process.on('uncaughtException', (error) => {
    const log = current();
    if (log) log.fatal({ err: error }, 'uncaught exception: the process exits');
    else process.stderr.write(`rtb: uncaught exception: ${describe(error)}\n`);
    process.exit(1);
  });
}
