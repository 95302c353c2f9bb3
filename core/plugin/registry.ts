import type { RtbConfig } from '../config/schema.js';
import type { Pricing } from '../pricing.js';
import type { DeclaresConfigKeys } from './config-keys.js';
import type { PluginClass } from './contract.js';
import type { DialectClass } from './dialect.js';

/** A pricing class; its constructor gets `@inject(Tokens.BidderScope)`; a static `configKeys` declares the bidder keys it reads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PricingClass = (new (...args: any[]) => Pricing) & DeclaresConfigKeys;

/** A plugin an exchange runs without its config listing it (the config may list it itself, or turn it off). */
export interface DefaultPlugin {
  readonly name: string;
  /** `first`: before the config's plugins; `last`: after them. Each group runs in the order registered. */
  readonly place: 'first' | 'last';
  /** Run it only for configs this accepts (`auction.type`, `notices.enabled`); always when absent. */
  readonly when?: (config: RtbConfig) => boolean;
  /** The config key that makes it run, for problem lines (`plugins (default)`, `auction.type`). */
  readonly at: string;
}

/**
 * Names → classes: the plugins, dialects and pricing units an exchange can select in config, and the plugins it runs
 * by default. The composition root (`builtinRegistry()`, plugins/builtin.ts) fills it with the built-ins: the
 * core itself knows no plugin by name. Embedders and tests add their own.
 */
export class PluginRegistry {
  readonly plugins = new Map<string, PluginClass>();
  readonly dialects = new Map<string, DialectClass>();
  readonly pricing = new Map<string, PricingClass>();
  readonly defaults: DefaultPlugin[] = [];

  /** Registers a hook plugin under `name`. */
  plugin(name: string, cls: PluginClass): this {
    this.plugins.set(name, cls);
    return this;
  }

  /** Registers a dialect (a bidder's wire format) under `name`. */
  dialect(name: string, cls: DialectClass): this {
    this.dialects.set(name, cls);
    return this;
  }

  /** Registers a pricing unit strategy under `name`. */
  pricingUnits(name: string, cls: PricingClass): this {
    this.pricing.set(name, cls);
    return this;
  }

  /**
   * Runs plugin `name` (registered here) for every config that does not list it itself, `first` or `last`
   * (see {@link DefaultPlugin}); `when` narrows it to the configs that want it.
   */
  runByDefault(name: string, place: DefaultPlugin['place'], options: { when?: DefaultPlugin['when']; at?: string } = {}): this {
    this.defaults.push({ name, place, at: options.at ?? 'plugins (default)', ...(options.when ? { when: options.when } : {}) });
    return this;
  }

  /**
   * A copy with the classes a config brings (its `extensions`) added. A name taken already (a built-in's) is a
   * problem named by its config key: an extension never silently replaces a class another name resolves to.
   */
  withExtensions(extensions: RtbConfig['extensions']): { readonly registry: PluginRegistry; readonly problems: string[] } {
    const registry = this.clone();
    const problems: string[] = [];
    const add = <C>(kind: 'plugins' | 'dialects' | 'pricing', taken: Map<string, C>, classes: Record<string, C>) => {
      for (const [name, cls] of Object.entries(classes)) {
        if (taken.has(name)) problems.push(`extensions.${kind}.${name}: the name is registered already (a built-in, or added in code); choose another`);
        else taken.set(name, cls);
      }
    };
    add('plugins', registry.plugins, extensions.plugins);
    add('dialects', registry.dialects, extensions.dialects);
    add('pricing', registry.pricing, extensions.pricing);
    return { registry, problems };
  }

  /** A copy, for adding to without touching the original. */
  clone(): PluginRegistry {
    const copy = new PluginRegistry();
    for (const [name, cls] of this.plugins) copy.plugin(name, cls);
    for (const [name, cls] of this.dialects) copy.dialect(name, cls);
    for (const [name, cls] of this.pricing) copy.pricingUnits(name, cls);
    copy.defaults.push(...this.defaults);
    return copy;
  }
}
