import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig, defaultLoaders } from 'cosmiconfig';
import { RtbStartupError } from './errors.js';
import { issueLines } from './issues.js';
import { CONFIG_SEARCH_PLACES } from './search-places.mjs';
import type { PluginRegistry } from '../plugin/registry.js';
import type { DeclaresConfigKeys } from '../plugin/config-keys.js';
import { sectionOwners, unownedTopLevelKeys } from './key-check.js';
import { unknownKeyProblem } from './nearest-key.js';
import { configSchema, CORE_KEYS, type RtbConfig } from './schema.js';

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
 * name the top-level keys no plugin owns, so that one run reports every top-level problem.
 */
export function parseConfig(input: unknown, registry?: PluginRegistry): RtbConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = issueLines(result.error, configSchema);
  if (registry) problems.push(...unreadKeys(input, registry));
  throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
}

/**
 * What a config that failed the core's schema also gets wrong, found without the plan: the top-level keys, and the
 * keys of each site and bidder, that neither the core nor any class of `registry` (or of the input's `extensions`)
 * reads. (A key only an idle plugin reads is the plan's to name, once the schema passes.)
 */
function unreadKeys(input: unknown, registry: PluginRegistry): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const { extensions = {}, sites, bidders } = input as { extensions?: Record<string, Record<string, unknown> | undefined>; sites?: unknown; bidders?: unknown };
  const classesOf = (kind: 'plugins' | 'dialects' | 'pricing') => [...registry[kind].values(), ...Object.values(extensions?.[kind] ?? {})];
  const classes = [...classesOf('plugins'), ...classesOf('dialects'), ...classesOf('pricing')];
  const problems = unownedTopLevelKeys(input, [...sectionOwners(classesOf('plugins')).keys()]);
  problems.push(...unreadOwnerKeys(sites, 'sites', CORE_KEYS.site, declaredKeys(classes, 'site')));
  problems.push(...unreadOwnerKeys(bidders, 'bidders', CORE_KEYS.bidder, declaredKeys(classes, 'bidder')));
  return problems;
}

/** Every key some class among `classes` declares it reads on a site or a bidder (`configKeys.site`, `.bidder`). */
function declaredKeys(classes: readonly unknown[], kind: 'site' | 'bidder'): string[] {
  return classes.flatMap((cls) => Object.keys((typeof cls === 'function' ? (cls as DeclaresConfigKeys).configKeys?.[kind] : undefined) ?? {}));
}

/** A problem for each key of each entry of `owners` (`sites`, `bidders`) that is neither the core's nor in `declared`. */
function unreadOwnerKeys(owners: unknown, at: string, core: readonly string[], declared: readonly string[]): string[] {
  if (typeof owners !== 'object' || owners === null) return [];
  const known = [...core, ...declared];
  return Object.entries(owners).flatMap(([name, owner]) => (typeof owner === 'object' && owner !== null ? Object.keys(owner) : [])
    .filter((key) => !known.includes(key))
    .map((key) => unknownKeyProblem(`${at}.${name}`, key, known)));
}
