import { inject, injectable, type InjectionToken } from 'tsyringe';
import type { ConfigKeys } from './config-keys.js';
import type { Plugin, PluginClass, PluginScope } from './contract.js';
import { Tokens } from './tokens.js';

/**
 * Declares, without decorators, what DI passes to each of `cls`'s constructor parameters, in order: the same as
 * `@injectable()` on the class and `@inject(tokens[i])` on parameter `i`. For plugins, dialects and pricing
 * classes written without decorator syntax (no compiler setting needed):
 * `injectTokens(MyDialect, Tokens.BidderScope, Tokens.Pricing)`. Returns `cls`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function injectTokens<C extends new (...args: any[]) => unknown>(cls: C, ...tokens: InjectionToken[]): C {
  tokens.forEach((token, index) => inject(token)(cls, undefined, index));
  injectable()(cls);
  return cls;
}

/**
 * Makes a plugin class from a factory, for plugins that need nothing from DI but their own scope:
 * `registry.plugin('my-plugin', definePlugin((scope) => ({ bidValidate(ctx, bid) { ... } })))`. `configKeys`
 * declares its options and the bidder and site keys it reads (the class's static `configKeys`).
 */
export function definePlugin(factory: (scope: PluginScope) => Plugin, configKeys?: ConfigKeys): PluginClass {
  class FactoryPlugin {
    static readonly configKeys = configKeys;
    constructor(scope: PluginScope) {
      Object.assign(this, factory(scope));
    }
  }
  return injectTokens(FactoryPlugin, Tokens.PluginScope) as PluginClass;
}
