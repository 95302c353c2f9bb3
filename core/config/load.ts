import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig, defaultLoaders } from 'cosmiconfig';
import { RtbStartupError } from './errors.js';
import { issueLines } from './issues.js';
import { CONFIG_SEARCH_PLACES } from './search-places.mjs';
import type { PluginRegistry } from '../plugin/registry.js';
import { unreadKeys, type RegisteredClasses } from './key-check.js';
import { configSchema, type RtbConfig } from './schema.js';

const SEARCH_PLACES = [...CONFIG_SEARCH_PLACES];

/**
 * Where a config module's compiled form is, by source path: under `rtb`, the config is compiled into the CLI's
 * bundle (core/bundle.mjs), so it shares the framework's modules with the CLI.
 */
export type CompiledModules = ReadonlyMap<string, string>;

/**
 * Config modules are imported in their compiled form when `rtb` compiled them, else as they are (vite compiles
 * them under vitest). The TypeScript compiler that cosmiconfig's default loader would keep in memory (tens of
 * MB) is loaded only when that import fails (e.g. a `.ts` file `rtb` did not compile).
 */
function moduleLoader(compiled: CompiledModules | undefined, fallback?: (filepath: string, content: string) => unknown) {
  return async (filepath: string, content: string): Promise<unknown> => {
    try {
      const loaded = (await import(compiled?.get(path.resolve(filepath)) ?? pathToFileURL(filepath).href)) as { default?: unknown };
      return loaded.default ?? loaded;
    } catch (error) {
      if (!fallback) throw error;
      return fallback(filepath, content);
    }
  };
}

/** A loaded, validated config and the file it came from. */
export interface LoadedConfig { config: RtbConfig; filepath: string }

/**
 * Finds and loads the exchange config with cosmiconfig: `file` when given (`.ts`, `.mts`, `.js`, `.mjs`,
 * `.json`), else `rtb.config.*` in `cwd`. A `defineConfig(...)` export and a plain object export both work.
 * `compiled` maps config sources to the modules `rtb` compiled them into; `registry`: see {@link parseConfig}.
 * Throws {@link RtbStartupError} naming every bad key.
 */
export async function loadConfig(file?: string, cwd = process.cwd(), compiled?: CompiledModules, registry?: PluginRegistry): Promise<LoadedConfig> {
  const typescript = moduleLoader(compiled, defaultLoaders['.ts']);
  const javascript = moduleLoader(compiled);
  const loaders = { '.ts': typescript, '.mts': typescript, '.js': javascript, '.mjs': javascript };
  const explorer = cosmiconfig('rtb', { searchPlaces: SEARCH_PLACES, stopDir: cwd, cache: false, loaders });
  let found: { config: unknown; filepath: string } | null;
  try {
    found = file ? await explorer.load(path.resolve(cwd, file)) : await explorer.search(cwd);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new RtbStartupError('RTB_ERR_CONFIG_LOAD', [`${file ?? 'rtb.config.ts'}: cannot load: ${reason}`]);
  }
  if (!found) throw new RtbStartupError('RTB_ERR_CONFIG_MISSING', [`no ${SEARCH_PLACES.join(' / ')} in ${cwd}`]);
  return { config: parseConfig(found.config, registry), filepath: found.filepath };
}

/**
 * Validates a config object against the core's schema and fills in defaults; throws {@link RtbStartupError} naming
 * every bad key. The keys plugins read (their sections, options, site and bidder keys) are checked with the plan,
 * which knows them; when this fails first, `registry` (with the config's own `extensions`) lets the same lines also
 * name the top-level, site and bidder keys that nothing registered reads ({@link unreadKeys}).
 */
export function parseConfig(input: unknown, registry?: PluginRegistry): RtbConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = issueLines(result.error, configSchema);
  if (registry) problems.push(...unreadKeys(input, registeredClasses(input, registry)));
  throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
}

/** Every class `registry` knows, and those the input's own `extensions` bring, by kind. */
function registeredClasses(input: unknown, registry: PluginRegistry): RegisteredClasses {
  const extensions = (typeof input === 'object' && input !== null ? (input as { extensions?: unknown }).extensions : undefined) as Record<string, Record<string, unknown> | undefined> | undefined;
  const of = (kind: keyof RegisteredClasses) => [...registry[kind].values(), ...Object.values(extensions?.[kind] ?? {})];
  return { plugins: of('plugins'), dialects: of('dialects'), pricing: of('pricing') };
}
