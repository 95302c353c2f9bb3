import type { z } from 'zod';
import type { ConfigKeys, DeclaresConfigKeys } from '../plugin/config-keys.js';
import { issueLines } from './issues.js';
import { unknownKeyProblem } from './nearest-key.js';
import { CORE_KEYS, type PluginEntry, type RtbConfig } from './schema.js';

/** A plugin the plan selected, where the config selects it (`plugins.2`), and what its class declares. */
export interface SelectedPlugin {
  readonly entry: PluginEntry;
  readonly at: string;
  readonly keys: ConfigKeys | undefined;
}

/** What {@link checkConfigKeys} found: every problem, and each plugin's options as its schema parsed them. */
export interface KeyCheck {
  readonly problems: string[];
  /** The parsed options of each selected plugin that declares an options schema, by its entry. */
  readonly options: ReadonlyMap<PluginEntry, Record<string, unknown>>;
}

/**
 * Validates in one pass what the core's own schema leaves open: each site's and bidder's keys against the core's
 * plus those the selected plugins declare (a bidder's: its dialect's and pricing's too), each declared key's value
 * against its schema, and each plugin's options against its options schema. A key nobody reads is a problem naming
 * the nearest known key: a misspelled `floor` would otherwise sell below the publisher's floor.
 */
export function checkConfigKeys(
  config: RtbConfig,
  plugins: readonly SelectedPlugin[],
  bidderStrategies: ReadonlyMap<string, ReadonlyArray<ConfigKeys | undefined>>,
  /** Every plugin class the registry knows, by name: its sections are read, and a key an idle one reads says so. */
  registered: ReadonlyMap<string, DeclaresConfigKeys> = new Map(),
): KeyCheck {
  const problems: string[] = [];
  const selectedNames = new Set(plugins.map(({ entry }) => entry.name));
  const idle = [...registered].filter(([name]) => !selectedNames.has(name));
  const readBy = (kind: 'site' | 'bidder', key: string) => idle.find(([, cls]) => cls.configKeys?.[kind]?.[key] !== undefined)?.[0];
  const siteKeys = merged(plugins.map(({ keys }) => keys?.site));
  const pluginBidderKeys = merged(plugins.map(({ keys }) => keys?.bidder));
  for (const [id, site] of Object.entries(config.sites)) checkOwner(site, `sites.${id}`, CORE_KEYS.site, siteKeys, (key) => readBy('site', key), problems);
  for (const [name, bidder] of Object.entries(config.bidders)) {
    const own = merged([pluginBidderKeys, ...(bidderStrategies.get(name) ?? []).map((keys) => keys?.bidder)]);
    checkOwner(bidder, `bidders.${name}`, CORE_KEYS.bidder, own, (key) => readBy('bidder', key), problems);
  }
  const sections = checkSections(config, registered, problems);
  const options = new Map<PluginEntry, Record<string, unknown>>();
  for (const { entry, at, keys } of plugins) {
    if (!keys?.options) continue;
    if (keys.section !== undefined) {
      if (Object.keys(entry.options).length > 0) problems.push(`${at}.options: the ${entry.name} plugin takes its options from the top-level "${keys.section}" section`);
      const parsed = sections.get(keys.section) ?? parsedOptions(keys.options, {}, keys.section, problems);
      if (parsed) options.set(entry, parsed);
      continue;
    }
    const parsed = parsedOptions(keys.options, entry.options, `${at}.options`, problems);
    if (parsed) options.set(entry, parsed);
  }
  return { problems, options };
}

/** `value` parsed by a plugin's options schema (an option it does not name refused), or its problems added. */
function parsedOptions(schema: z.ZodObject, value: unknown, at: string, problems: string[]): Record<string, unknown> | undefined {
  const strict = schema.strict();
  const result = strict.safeParse(value);
  if (result.success) return result.data as Record<string, unknown>;
  problems.push(...issueLines(result.error, strict, at));
  return undefined;
}

/**
 * The top-level keys beyond the core's: each must be a section a registered plugin owns (validated by its schema,
 * whether or not the config runs it: `notices.enabled: false` is read), else it is unknown. Returns the parsed sections.
 */
function checkSections(config: RtbConfig, registered: ReadonlyMap<string, DeclaresConfigKeys>, problems: string[]): Map<string, Record<string, unknown>> {
  const owners = sectionOwners(registered.values());
  problems.push(...unownedTopLevelKeys(config, [...owners.keys()]));
  const parsed = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(config)) {
    const owner = owners.get(key);
    const section = owner && parsedOptions(owner.options!, value, key, problems);
    if (section) parsed.set(key, section);
  }
  return parsed;
}

/** What a class (a config's `extensions` may bring anything) declares it reads. */
function configKeysOf(cls: unknown): ConfigKeys | undefined {
  return typeof cls === 'function' ? (cls as DeclaresConfigKeys).configKeys : undefined;
}

/** The top-level sections the plugin classes among `classes` own (`configKeys.section`), with their keys. */
function sectionOwners(classes: Iterable<unknown>): Map<string, ConfigKeys> {
  const owners = new Map<string, ConfigKeys>();
  for (const cls of classes) {
    const keys = configKeysOf(cls);
    if (keys?.section !== undefined && keys.options) owners.set(keys.section, keys);
  }
  return owners;
}

/** A problem line for each top-level key of `config` that neither the core nor a plugin section (`sections`) owns. */
function unownedTopLevelKeys(config: object, sections: readonly string[]): string[] {
  const known = [...CORE_KEYS.top, ...sections];
  return Object.keys(config).filter((key) => !known.includes(key)).map((key) => unknownKeyProblem('', key, known));
}

/** The plugin, dialect and pricing classes a config may select, by kind. */
export interface RegisteredClasses {
  readonly plugins: readonly unknown[];
  readonly dialects: readonly unknown[];
  readonly pricing: readonly unknown[];
}

/**
 * What can be said of a config's keys without the plan (its core schema failed): the top-level keys, and the keys of
 * each site and bidder, that neither the core nor any of `classes` reads. A key only an idle plugin reads is the
 * plan's to name ({@link checkConfigKeys}), once the schema passes.
 */
export function unreadKeys(input: unknown, classes: RegisteredClasses): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const all = [...classes.plugins, ...classes.dialects, ...classes.pricing];
  const declared = (kind: 'site' | 'bidder') => all.flatMap((cls) => Object.keys(configKeysOf(cls)?.[kind] ?? {}));
  const { sites, bidders } = input as { sites?: unknown; bidders?: unknown };
  return [
    ...unownedTopLevelKeys(input, [...sectionOwners(classes.plugins).keys()]),
    ...unreadOwnerKeys(sites, 'sites', [...CORE_KEYS.site, ...declared('site')]),
    ...unreadOwnerKeys(bidders, 'bidders', [...CORE_KEYS.bidder, ...declared('bidder')]),
  ];
}

/** A problem for each key of each entry of `owners` (`sites`, `bidders`) not among `known`. */
function unreadOwnerKeys(owners: unknown, at: string, known: readonly string[]): string[] {
  if (typeof owners !== 'object' || owners === null) return [];
  return Object.entries(owners).flatMap(([name, owner]) => (typeof owner === 'object' && owner !== null ? Object.keys(owner) : [])
    .filter((key) => !known.includes(key))
    .map((key) => unknownKeyProblem(`${at}.${name}`, key, known)));
}

/** One schema per key: the first declaration wins (two plugins reading one key agree on it by convention). */
function merged(shapes: ReadonlyArray<Readonly<Record<string, z.ZodType>> | undefined>): Record<string, z.ZodType> {
  const all: Record<string, z.ZodType> = {};
  for (const shape of shapes) for (const [key, schema] of Object.entries(shape ?? {})) all[key] ??= schema;
  return all;
}

function checkOwner(
  owner: Record<string, unknown>,
  at: string,
  core: readonly string[],
  declared: Record<string, z.ZodType>,
  idleReader: (key: string) => string | undefined,
  problems: string[],
): void {
  const known = [...core, ...Object.keys(declared)];
  for (const [key, value] of Object.entries(owner)) {
    if (core.includes(key)) continue;
    const schema = declared[key];
    if (!schema) {
      const idle = idleReader(key);
      problems.push(idle ? `${at}.${key}: read by the ${idle} plugin, which this config does not run (list it in plugins)` : unknownKeyProblem(at, key, known));
      continue;
    }
    const result = schema.safeParse(value);
    if (!result.success) problems.push(...issueLines(result.error, schema, `${at}.${key}`));
  }
}
