import path from 'node:path';
import { type NoticesConfig, type PluginScope, RtbStartupError } from '../../core/index.js';

/** The plugin's settings: the config's `notices` section, with the journal directory made absolute. */
export type NoticesSettings = Omit<NoticesConfig, 'enabled'> & { readonly journalDir: string };

/**
 * Reads the top-level `notices` section (the plugin takes no options of its own, so that there is one place to
 * configure delivery). Throws {@link RtbStartupError} when options are given or `retryMaxMs < retryBaseMs`.
 */
export function readSettings(scope: PluginScope): NoticesSettings {
  const problems: string[] = [];
  if (Object.keys(scope.options).length > 0) problems.push(`plugins (${scope.name}).options: the notices plugin takes no options; set the top-level "notices" section`);
  const { enabled: _enabled, ...config } = scope.config.notices;
  if (config.retryMaxMs < config.retryBaseMs) problems.push('notices.retryMaxMs: must not be below notices.retryBaseMs');
  if (problems.length) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
  return { ...config, journalDir: path.resolve(config.journalDir) };
}
