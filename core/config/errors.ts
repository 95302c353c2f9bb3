/**
 * A start-up error: something in the config or the plugin set is wrong. It carries one line per problem,
 * each naming the config key (`bidders.dsp-a.endpoint: not a URL`), and a stable `RTB_ERR_*` code. The CLI
 * prints the lines and exits non-zero; no stack trace reaches an operator.
 */
export class RtbStartupError extends Error {
  /** @param code a stable `RTB_ERR_*` code; @param problems one line per problem, each naming its key. */
  constructor(readonly code: `RTB_ERR_${string}`, readonly problems: string[]) {
    super(`${code}: ${problems.join('; ')}`);
    this.name = 'RtbStartupError';
  }
}
