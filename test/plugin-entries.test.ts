import { describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config/load.js';
import { PluginRegistry } from '../core/plugin/registry.js';
import { pluginEntries } from '../core/exchange-plan.js';
import { builtinRegistry } from '../plugins/builtin.js';

const names = (config: unknown, registry = builtinRegistry()) => pluginEntries(parseConfig(config), registry).map(({ entry }) => entry.name);

describe('plugin entries', () => {
  it('runs the defaults around the configured plugins, in a fixed order', () => {
    expect(names({ plugins: ['user-sync'] })).toEqual(['core-bid-validation', 'user-sync', 'adm-banner', 'adm-vast', 'adm-native', 'second-price', 'notices']);
  });

  it('a listed default plugin runs where the config puts it, once', () => {
    expect(names({ plugins: ['adm-native', 'core-bid-validation'], auction: { type: 'first-price' } })).toEqual(['adm-native', 'core-bid-validation', 'adm-banner', 'adm-vast', 'first-price', 'notices']);
  });

  it('enabled: false leaves a plugin out, a default one included', () => {
    const config = { plugins: [{ name: 'adm-banner', enabled: false }, { name: 'user-sync', enabled: false }], notices: { enabled: false } };
    expect(names(config)).toEqual(['core-bid-validation', 'adm-vast', 'adm-native', 'second-price']);
  });

  it('the defaults are the registry\'s (the composition root names them, not the core): an empty registry runs none', () => {
    expect(names({ plugins: ['user-sync'] }, new PluginRegistry())).toEqual(['user-sync']);
    const own = new PluginRegistry().runByDefault('audit', 'first').runByDefault('late', 'last', { when: (config) => config.currency === 'EUR' });
    expect(names({ plugins: ['x'] }, own)).toEqual(['audit', 'x']);
    expect(names({ plugins: ['x'], currency: 'EUR' }, own.clone())).toEqual(['audit', 'x', 'late']);
  });
});
