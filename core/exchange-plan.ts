import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { BidderPlan } from './auction/bidder-plan.js';
import type { QpsShare } from './auction/qps-share.js';
import { RtbStartupError } from './config/errors.js';
import { checkConfigKeys } from './config/key-check.js';
import type { BidderConfig, PluginEntry, RtbConfig } from './config/schema.js';
import { planForBidder, planStages, type PlannedPlugin, type StagePlan } from './hooks/hook-plan.js';
import { STAGE_NAMES, type StageName } from './hooks/stages.js';
import { ExchangeMetrics } from './metrics.js';
import type { ClusterChannel } from './plugin/cluster-channel.js';
import type { ConfigKeys } from './plugin/config-keys.js';
import { createRootContainer, pricingNameOf, resolveBidderStrategies, resolvePlugin } from './plugin/container.js';
import { DEFAULT_PRICING } from './plugin/dialect.js';
import type { DefaultPlugin, PluginRegistry } from './plugin/registry.js';
import type { Pricing } from './pricing.js';
import { SignedTrackerUrls } from './trackers/signed-tracker-urls.js';
import { resolveTrackerSecret } from './trackers/tracker-secret.js';

// The exchange's plan: which plugins run in which stage, each bidder's strategies, the tracker URLs and metrics,
// all resolved from the config and the registry before anything listens (what `rtb check` prints).

/** The process-wide parts an exchange's plan is resolved with, beside its config. */
export interface ProcessServices {
  readonly cluster?: ClusterChannel;
  readonly qpsShare?: QpsShare;
}

/** The resolved plan of an exchange: what `rtb check` prints. */
export interface ExchangePlan {
  readonly bidders: ReadonlyArray<{ name: string; endpoint: string; dialect: string; pricing: string; openrtbVersion: string; gzip: boolean; maxQps?: number }>;
  readonly stages: Readonly<Record<StageName, string[]>>;
  /** Where the shared state lives, as the plugins that keep it say (`Plugin.describeState`): `local journal=…`, or `redis` with its URL (password hidden) and prefix. */
  readonly state: string;
}

/**
 * The plugin entries an exchange runs, in order, each with the config key it comes from: the registry's defaults
 * placed `first` (bid validation), the config's plugins, then the defaults placed `last` (the markup rewriters,
 * the plugin of `auction.type`, `notices`), each default only when its condition holds for this config and the
 * config does not list it itself. An entry with `enabled: false` leaves its plugin out, a default one included.
 */
export function pluginEntries(config: RtbConfig, registry: PluginRegistry): Array<{ entry: PluginEntry; at: string }> {
  const listed = new Set(config.plugins.map((entry) => entry.name));
  const defaults = registry.defaults.filter((plugin) => !listed.has(plugin.name) && (plugin.when?.(config) ?? true));
  const entriesOf = (place: DefaultPlugin['place']) => defaults
    .filter((plugin) => plugin.place === place)
    .map((plugin) => ({ entry: { name: plugin.name, options: {}, bidders: undefined, enabled: true }, at: plugin.at }));
  return [
    ...entriesOf('first'),
    ...config.plugins.flatMap((entry, i) => (entry.enabled ? [{ entry, at: `plugins.${i}` }] : [])),
    ...entriesOf('last'),
  ];
}

/** What a bidder's dialect and pricing class declare they read on it (unknown names: nothing; the plan reports them). */
function strategyKeysOf(registry: PluginRegistry, bidder: BidderConfig): Array<ConfigKeys | undefined> {
  const dialect = registry.dialects.get(bidder.dialect);
  return [dialect?.configKeys, registry.pricing.get(pricingNameOf(bidder, dialect))?.configKeys];
}

/** The base of tracker URLs: `server.publicUrl`, else (port 0 included) the address the server will listen on. */
function trackerBase(config: RtbConfig): string | undefined {
  return config.server.publicUrl?.replace(/\/+$/, '');
}

/**
 * Resolves plugins and bidder strategies (from `base` and the config's `extensions`) without opening any connection
 * (what `rtb check` needs), for a process of the given cluster role and QPS share (`services`; by default a single
 * process holding every cap whole).
 */
export function resolveExchange(config: RtbConfig, base: PluginRegistry, log: Logger, dispatcher = new Agent(), services: ProcessServices = {}) {
  const extended = base.withExtensions(config.extensions);
  const { registry } = extended;
  // Every problem keeps its own code (a config key's, an unknown name's, a tracker key's …), reported together.
  const failures: RtbStartupError[] = [];
  const invalid = (...problems: string[]) => failures.push(new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems));
  if (extended.problems.length) invalid(...extended.problems);
  const bidderPricing = new Map<string, Pricing>();
  let trackers: SignedTrackerUrls | undefined;
  try {
    trackers = new SignedTrackerUrls(resolveTrackerSecret(config.trackers, log), trackerBase(config), config.trackers.ttlSeconds, bidderPricing, config.trackers.listClicks);
  } catch (error) {
    if (!(error instanceof RtbStartupError)) throw error;
    failures.push(error);
    trackers = new SignedTrackerUrls('unused: the exchange will not start', trackerBase(config), 1, bidderPricing);
  }
  const entries = pluginEntries(config, registry);
  const keys = checkConfigKeys(
    config,
    entries.map(({ entry, at }) => ({ entry, at, keys: registry.plugins.get(entry.name)?.configKeys })),
    new Map(Object.entries(config.bidders).map(([name, bidder]) => [name, strategyKeysOf(registry, bidder)])),
    registry.plugins,
  );
  // Keys first: a plugin or strategy would report a declared key's bad value again, in its own words.
  if (keys.problems.length) invalid(...keys.problems);
  if (failures.length) throw RtbStartupError.gathered(failures);
  const metrics = new ExchangeMetrics(Object.entries(config.bidders).filter(([, bidder]) => bidder.enabled).map(([name]) => name));
  const root = createRootContainer(config, log, dispatcher, { trackerUrls: trackers, bidderPricing, metrics, ...services });
  const attempt = <T>(make: () => T): T | undefined => {
    try {
      return make();
    } catch (error) {
      failures.push(error instanceof RtbStartupError ? error : new RtbStartupError('RTB_ERR_START', [(error as Error).message]));
      return undefined;
    }
  };
  const plugins: PlannedPlugin[] = [];
  for (const { entry, at } of entries) {
    for (const bidder of entry.bidders ?? []) {
      if (!Object.hasOwn(config.bidders, bidder)) invalid(`${at}.bidders: unknown bidder "${bidder}"`);
    }
    const options = keys.options.get(entry);
    const instance = attempt(() => resolvePlugin(root, registry, options ? { ...entry, options } : entry, config, at));
    if (instance) plugins.push({ name: entry.name, instance, bidders: entry.bidders });
  }
  const stages: StagePlan = planStages(plugins);
  const bidders: Omit<BidderPlan, 'transport'>[] = [];
  for (const [name, bidderConfig] of Object.entries(config.bidders)) {
    if (!bidderConfig.enabled) continue;
    const strategies = attempt(() => resolveBidderStrategies(root, registry, name, bidderConfig, config));
    if (!strategies) continue;
    bidderPricing.set(name, strategies.pricing);
    bidders.push({ view: { name, config: strategies.config, pricing: strategies.pricing }, dialect: strategies.dialect, stages: planForBidder(stages, name) });
  }
  if (failures.length) throw RtbStartupError.gathered(failures);
  const plan: ExchangePlan = {
    bidders: bidders.map(({ view }) => ({
      name: view.name,
      endpoint: view.config.endpoint,
      dialect: view.config.dialect,
      pricing: view.config.pricing ?? DEFAULT_PRICING,
      openrtbVersion: view.config.openrtbVersion,
      gzip: view.config.gzip,
      ...(view.config.maxQps === undefined ? {} : { maxQps: view.config.maxQps }),
    })),
    state: plugins.flatMap(({ instance }) => instance.describeState?.() ?? []).join('; ') || 'none (no plugin keeps shared state)',
    stages: Object.fromEntries(STAGE_NAMES.map((stage) => [stage, stages[stage].map((entry) =>
      entry.bidders ? `${entry.plugin} (bidders: ${[...entry.bidders].join(', ')})` : entry.plugin)])) as Record<StageName, string[]>,
  };
  return { plugins, stages, bidders, plan, trackers, metrics };
}
