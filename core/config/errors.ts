import type { ErrorCode } from './error-codes.js';
/**
 * A start-up error: something in the config or the plugin set is wrong. It carries one line per problem,
 * each naming the config key (`bidders.dsp-a.endpoint: not a URL`), and a stable `RTB_ERR_*` code of the
 * catalogue (`core/config/error-codes.ts`). The CLI
 * prints the lines and exits non-zero; no stack trace reaches an operator.
 */
export class RtbStartupError extends Error {
  /** @param code a stable code of the catalogue ({@link ERROR_CODES}); @param problems one line per problem, each naming its key. */
  constructor(readonly code: ErrorCode, readonly problems: string[]) {
    super(`${code}: ${problems.join('; ')}`);
    this.name = 'RtbStartupError';
  }
}
