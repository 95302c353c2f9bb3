import type { Logger } from 'pino';
import type { RtbConfig } from '../config/schema.js';
import type { StageHook, StageName } from '../hooks/stages.js';
import type { ClusterChannel } from './cluster-channel.js';
import type { DeclaresConfigKeys } from './config-keys.js';

/** The hooks a plugin may implement: a method named after each stage it takes part in. */
export type PluginHooks = { [S in StageName]?: StageHook<S> };

/**
 * A plugin: a class registered under a name, resolved through DI, whose methods named after stages
 * (`requestBuild`, `bidValidate`, `auction`, `notices`, `admRewrite`, `sync`) are its hooks.
 */
export interface Plugin extends PluginHooks {
  /** Called once before the server accepts requests. */
  start?(): void | Promise<void>;
  /** Called once on shutdown, after the last auction. */
  stop?(): void | Promise<void>;
  /**
   * Whether the plugin can serve (`GET /readyz`, asked on every probe: keep it cheap and synchronous): `true`,
   * or `false` / a reason why not (e.g. the notices journal cannot be written). Absent: always ready.
   */
  ready?(): boolean | string;
  /**
   * Serving, but worse than usual (asked with {@link ready}): a reason, listed under `degraded` in `GET /readyz`'s
   * `200` answer (e.g. the notices' Redis gone, notices spilled to the journal meanwhile), or nothing.
   */
  degraded?(): string | undefined;
  /**
   * Under `rtb start --workers N` the primary resolves every plugin too, and calls this (before it forks a worker)
   * on those that hold what the machine's workers must share: the plugin serves its workers' messages on `channel`
   * (`channel.serve`), which its worker instances send through `Tokens.Cluster`. Its `start()` is then called in
   * each worker (with `Tokens.Cluster`'s role `worker`), never in the primary. A failure stops the start-up.
   */
  startPrimary?(channel: ClusterChannel): void | Promise<void>;
  /** In the primary, after every worker has stopped: the counterpart of {@link startPrimary}. */
  stopPrimary?(): void | Promise<void>;
  /**
   * Where the plugin keeps what the exchange's processes share (billed impressions, notices owed), for the
   * `state:` line of `rtb check`: `local journal=.rtb/notices`, `redis redis://host:6379 prefix=rtb:`. Absent: none.
   */
  describeState?(): string;
}

/** What DI gives each plugin instance: its name, its options from config, and a logger tagged with its name. */
export interface PluginScope {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Where its options are written in the config, for problem lines (`${scope.optionsAt}.cookieSecret: required`):
   * `plugins.2.options`, its section (`notices`), or `plugins (default user-sync).options` for a default one.
   */
  readonly optionsAt: string;
  readonly log: Logger;
  readonly config: RtbConfig;
}

/**
 * A plugin class. Its constructor parameters are injected with explicit `@inject(Tokens.X)` tokens (or
 * `injectTokens`); a static `configKeys` declares the options and the site and bidder keys it reads.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PluginClass = (new (...args: any[]) => Plugin) & DeclaresConfigKeys;
