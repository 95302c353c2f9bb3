import type { RtbConfig } from '../config/schema.js';
import type { Pricing } from '../pricing.js';
import type { DeclaresConfigKeys } from './config-keys.js';
import type { PluginClass } from './contract.js';
import type { DialectClass } from './dialect.js';

/** A pricing class; its constructor gets `@inject(Tokens.BidderScope)`; a static `configKeys` declares the bidder keys it reads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PricingClass = (new (...args: any[]) => Pricing) & DeclaresConfigKeys;

/**
 * Names → classes: the plugins, dialects and pricing units an exchange can select in config. The
 * composition root (the CLI) fills it with the built-ins; embedders and tests add their own.
 */
export class PluginRegistry {
  readonly plugins = new Map<string, PluginClass>();
  readonly dialects = new Map<string, DialectClass>();
  readonly pricing = new Map<string, PricingClass>();

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
    return copy;
  }
}
