import pino from 'pino';
import { RtbStartupError } from './config/errors.js';
import type { RtbConfig } from './config/schema.js';

/** The config key a start-up problem line names (`bidders.dsp-a.endpoint: not a URL` → `bidders.dsp-a.endpoint`). */
export function problemKey(problem: string): string | undefined {
  return /^([^\s:]+):\s/.exec(problem)?.[1];
}

/** A start-up failure as lines: one problem per line, each with its `RTB_ERR_*` code (`codes[i]`; anything else thrown: `RTB_ERR_START`). */
export interface StartFailure {
  /** The failure's code (its first problem's). */
  readonly code: string;
  readonly problems: string[];
  /** Each problem's code, when they differ. */
  readonly codes?: readonly string[];
}

/** A thrown start-up failure as {@link StartFailure} lines. */
export function startupProblems(error: unknown): StartFailure {
  if (error instanceof RtbStartupError) return { code: error.code, problems: error.problems, codes: error.codes };
  return { code: 'RTB_ERR_START', problems: [error instanceof Error ? error.message : String(error)] };
}

/** The `RTB_ERR_*` code of problem `i` of `failure`. */
export function problemCode(failure: StartFailure, i: number): string {
  return failure.codes?.[i] ?? failure.code;
}

/**
 * Writes a start-up failure where the exchange's log goes (`log.file`, else standard output; standard output when
 * the config could not be read), as one JSON line per problem at level fatal with its `code` and config `key`: a
 * log shipper sees why a node did not start, besides the human lines on standard error. Written synchronously, as
 * the process exits next. `fields` are added to every line (a cluster worker's `slot`).
 */
export function logStartupFailure(failure: StartFailure, logConfig: RtbConfig['log'] | undefined, fields: Record<string, unknown> = {}): void {
  try {
    const destination = pino.destination({ dest: logConfig?.file ?? 1, sync: true, mkdir: true });
    const log = pino({ base: { pid: process.pid, ...fields }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
    failure.problems.forEach((problem, i) => log.fatal({ code: problemCode(failure, i), key: problemKey(problem) ?? null }, problem));
    destination.flushSync();
  } catch {
    // The log cannot be written (its folder is not writable): standard error has the lines already.
  }
}
