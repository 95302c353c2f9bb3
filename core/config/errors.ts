import type { ErrorCode } from './error-codes.js';
/**
 * A start-up error: something in the config or the plugin set is wrong. It carries one line per problem,
 * each naming the config key (`bidders.dsp-a.endpoint: not a URL`), and for each a stable `RTB_ERR_*` code of the
 * catalogue (`core/config/error-codes.ts`): `code` for all of them, unless the error gathers problems of several
 * kinds (the plan's, {@link RtbStartupError.gathered}), which keep their own (`codes`). The CLI prints the lines,
 * each with its code, and exits non-zero; no stack trace reaches an operator.
 */
export class RtbStartupError extends Error {
  /** Each problem's code, in the order of `problems`. */
  readonly codes: readonly ErrorCode[];

  /**
   * @param code a stable code of the catalogue ({@link ERROR_CODES}): every problem's, unless `codes` says otherwise
   * @param problems one line per problem, each naming its key
   */
  constructor(readonly code: ErrorCode, readonly problems: string[], codes?: readonly ErrorCode[]) {
    super(`${code}: ${problems.join('; ')}`);
    this.name = 'RtbStartupError';
    this.codes = codes ?? problems.map(() => code);
  }

  /** Several start-up errors as one, each problem keeping its code; the error's own code is its first problem's. */
  static gathered(errors: readonly RtbStartupError[]): RtbStartupError {
    const problems = errors.flatMap((error) => error.problems);
    const codes = errors.flatMap((error) => error.codes);
    return new RtbStartupError(codes[0] ?? 'RTB_ERR_START', problems, codes);
  }
}
