import type { z } from 'zod';

/**
 * What a plugin, dialect or pricing class reads from the config, declared as zod schemas on the class
 * (`static readonly configKeys = { … }`). At start-up the core validates every key against its own schema plus
 * those of the plugins and strategies the config selects, in one pass, and refuses any key nobody reads, naming
 * its path and the nearest known key (`sites.home.flor: unknown key (did you mean floor?)`).
 */
export interface ConfigKeys {
  /**
   * The plugin's `options` (`plugins[i].options`), as an object schema: an option it does not name is refused,
   * and the plugin's `scope.options` is what the schema parses them to (its defaults filled in).
   */
  readonly options?: z.ZodObject;
  /**
   * The top-level config section the plugin takes its options from instead of `plugins[i].options` (`notices`,
   * `vast`): validated by {@link options}, whether or not the config runs the plugin (a section may turn it off).
   */
  readonly section?: string;
  /** Keys it reads on every bidder (`bidders.<name>.<key>`), each with its value's schema (a dialect's: its bidders'). */
  readonly bidder?: Readonly<Record<string, z.ZodType>>;
  /** Keys it reads on every site (`sites.<id>.<key>`), each with its value's schema. */
  readonly site?: Readonly<Record<string, z.ZodType>>;
}

/** A class that may declare {@link ConfigKeys}. */
export interface DeclaresConfigKeys {
  readonly configKeys?: ConfigKeys;
}
