import { inject, injectable } from 'tsyringe';
import type { Plugin, PluginClass, PluginScope } from './contract.js';
import { Tokens } from './tokens.js';

/**
 * Makes a plugin class from a factory, for plugins that need nothing from DI but their own scope:
 * `registry.plugin('my-plugin', definePlugin((scope) => ({ bidValidate(ctx, bid) { ... } })))`.
 */
export function definePlugin(factory: (scope: PluginScope) => Plugin): PluginClass {
  @injectable()
  class FactoryPlugin {
    constructor(@inject(Tokens.PluginScope) scope: PluginScope) {
      Object.assign(this, factory(scope));
    }
  }
  return FactoryPlugin as PluginClass;
}
