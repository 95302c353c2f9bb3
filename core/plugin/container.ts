import 'reflect-metadata';
import type { Logger } from 'pino';
import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import type { Dispatcher } from 'undici';
import type { BidderConfig, PluginEntry, RtbConfig } from '../config/schema.js';
import { RtbStartupError } from '../config/errors.js';
import { ExchangeMetrics } from '../metrics.js';
import type { Pricing } from '../pricing.js';
import type { TrackerUrls } from '../trackers/contract.js';
import { ProcessQpsShare, type QpsShare } from '../auction/qps-share.js';
import { SINGLE_PROCESS, type ClusterChannel } from './cluster-channel.js';
import type { Plugin, PluginScope } from './contract.js';
import { DEFAULT_PRICING, type BidderScope, type Dialect, type DialectClass } from './dialect.js';
import type { PluginRegistry } from './registry.js';
import { Tokens } from './tokens.js';

/** Exchange-wide services the composition root builds and the DI root hands out. */
export interface RootServices {
  /** The exchange's signed tracker URLs (`Tokens.TrackerUrls`). */
  readonly trackerUrls: TrackerUrls;
  /** Every bidder's pricing by name (`Tokens.BidderPricing`), filled once bidders are resolved. */
  readonly bidderPricing: ReadonlyMap<string, Pricing>;
  /** The exchange's metrics (`Tokens.Metrics`). */
  readonly metrics: ExchangeMetrics;
  /** The process's cluster channel (`Tokens.Cluster`); a single process's when not given. */
  readonly cluster?: ClusterChannel;
  /** The node's share of every bidder's `maxQps` (`Tokens.QpsShare`); a whole one, told nothing, when not given. */
  readonly qpsShare?: QpsShare;
}

/**
 * The exchange's DI root: config, logger, the shared HTTP dispatcher, and (when given: the exchange always
 * gives them) tracker URLs, bidder pricing and metrics (a registry of its own when not given). One per running
 * exchange.
 */
export function createRootContainer(config: RtbConfig, log: Logger, dispatcher: Dispatcher, services?: RootServices): DependencyContainer {
  const root = globalContainer.createChildContainer();
  root.register(Tokens.Config, { useValue: config });
  root.register(Tokens.Logger, { useValue: log });
  root.register(Tokens.HttpDispatcher, { useValue: dispatcher });
  if (services) {
    root.register(Tokens.TrackerUrls, { useValue: services.trackerUrls });
    root.register(Tokens.BidderPricing, { useValue: services.bidderPricing });
  }
  root.register(Tokens.Metrics, { useValue: services?.metrics ?? new ExchangeMetrics() });
  root.register(Tokens.Cluster, { useValue: services?.cluster ?? SINGLE_PROCESS });
  root.register(Tokens.QpsShare, { useValue: services?.qpsShare ?? new ProcessQpsShare() });
  return root;
}

/** Resolves a configured plugin in its own child container, with its options and a logger tagged with its name. */
export function resolvePlugin(
  root: DependencyContainer,
  registry: PluginRegistry,
  entry: PluginEntry,
  config: RtbConfig,
  at: string,
): Plugin {
  const cls = registry.plugins.get(entry.name);
  if (!cls) throw unknownName('plugin', entry.name, [...registry.plugins.keys()], `${at}: `);
  const section = cls.configKeys?.section;
  const scope: PluginScope = {
    name: entry.name,
    options: entry.options,
    optionsAt: section ?? (/^plugins\.\d+$/.test(at) ? `${at}.options` : `plugins (default ${entry.name}).options`),
    log: root.resolve<Logger>(Tokens.Logger).child({ plugin: entry.name }),
    config,
  };
  const child = root.createChildContainer();
  child.register(Tokens.PluginScope, { useValue: scope });
  return child.resolve(cls);
}

/**
 * Resolves a bidder's pricing units and dialect, both in the bidder's own child container. The units are the
 * config's `pricing`, else the dialect's `defaultPricing`, else {@link DEFAULT_PRICING}; the bidder's config comes
 * back with them filled in.
 */
export function resolveBidderStrategies(
  root: DependencyContainer,
  registry: PluginRegistry,
  name: string,
  configured: BidderConfig,
  exchange: RtbConfig,
): { dialect: Dialect; pricing: Pricing; config: BidderConfig & { pricing: string } } {
  const dialectClass = registry.dialects.get(configured.dialect);
  if (!dialectClass) throw unknownName('dialect', configured.dialect, [...registry.dialects.keys()], `bidders.${name}.dialect: `);
  const pricingName = pricingNameOf(configured, dialectClass);
  const config = { ...configured, pricing: pricingName };
  const pricingClass = registry.pricing.get(pricingName);
  if (!pricingClass) throw unknownName('pricing', pricingName, [...registry.pricing.keys()], `bidders.${name}.pricing: `);
  const scope: BidderScope = { name, config, exchange, log: root.resolve<Logger>(Tokens.Logger).child({ bidder: name }) };
  const child = root.createChildContainer();
  child.register(Tokens.BidderScope, { useValue: scope });
  const pricing = child.resolve(pricingClass);
  child.register(Tokens.Pricing, { useValue: pricing });
  return { dialect: child.resolve(dialectClass), pricing, config };
}

/** A bidder's pricing units: its config's `pricing`, else its dialect's `defaultPricing`, else {@link DEFAULT_PRICING}. */
export function pricingNameOf(bidder: BidderConfig, dialect: DialectClass | undefined): string {
  return bidder.pricing ?? dialect?.defaultPricing ?? DEFAULT_PRICING;
}

function unknownName(kind: string, name: string, known: string[], at: string): RtbStartupError {
  return new RtbStartupError('RTB_ERR_UNKNOWN_NAME', [`${at}unknown ${kind} "${name}" (known: ${known.join(', ') || 'none'})`]);
}
