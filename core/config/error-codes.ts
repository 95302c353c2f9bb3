/**
 * Every `RTB_ERR_*` code `rtb` and the exchange report when they cannot start, with what it means. The codes are
 * stable: supervisors and log shippers match on them (each failure line names one, and its config key). The top
 * README's table lists the same codes with the same meanings (a test compares them), and no other code is used.
 */
export const ERROR_CODES = {
  RTB_ERR_ARGS: 'a command-line argument is wrong (`--port`, `--workers`)',
  RTB_ERR_BUNDLE: 'the compiled bundle cannot be written (the temp directory, `TMPDIR`, is not writable)',
  RTB_ERR_CONFIG_MISSING: 'no config file where `rtb` looks, and no `--config`',
  RTB_ERR_CONFIG_LOAD: 'the config file cannot be compiled or loaded',
  RTB_ERR_CONFIG_INVALID:
    'the config does not validate: a key nobody reads, a missing or wrong value (the core\'s keys, a plugin\'s options, the keys a plugin, dialect or pricing reads on bidders and sites)',
  RTB_ERR_UNKNOWN_NAME: 'a plugin, dialect or pricing name no registry knows (built-in or in `extensions`)',
  RTB_ERR_TRACKERS: 'the tracker key: `trackers.secret` too short, or its environment variable unset',
  RTB_ERR_NOTICES_JOURNAL: 'the notices journal folder cannot be used (not writable, or another running exchange holds it)',
  RTB_ERR_STATE: 'the shared state cannot be reached (`state.backend: redis`: Redis does not answer at `state.redis.url`)',
  RTB_ERR_LISTEN: 'the server cannot listen on `server.host`:`server.port` (taken, or not allowed)',
  RTB_ERR_WORKER_START: 'a cluster worker exited before it listened, without saying why',
  RTB_ERR_START: 'anything else that stopped the start-up (its message is the problem line)',
} as const;

/** A code of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;
