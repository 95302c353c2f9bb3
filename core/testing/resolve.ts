import pino from 'pino';
import type { DependencyContainer } from 'tsyringe';
import { Agent } from 'undici';
import type { DecodedBid } from '../auction/bids.js';
import type { BidderView } from '../auction/context.js';
import { RtbStartupError } from '../config/errors.js';
import { checkConfigKeys } from '../config/key-check.js';
import { parseConfig } from '../config/load.js';
import type { RtbConfig, RtbConfigInput } from '../config/schema.js';
import { ExchangeMetrics } from '../metrics.js';
import type { Plugin } from '../plugin/contract.js';
import { createRootContainer, resolveBidderStrategies, resolvePlugin } from '../plugin/container.js';
import type { Dialect } from '../plugin/dialect.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Pricing } from '../pricing.js';
import { SignedTrackerUrls } from '../trackers/signed-tracker-urls.js';

/** The key {@link testTrackerUrls} signs with: for tests only. */
const TEST_TRACKER_SECRET = 'rtb-exchange testing kit tracker secret';

/**
 * The exchange's signed tracker URLs under `publicUrl`, keyed with a fixed test secret, for calling an `admRewrite`
 * hook or checking a rewritten markup's trackers in a unit test.
 */
export function testTrackerUrls(publicUrl = 'https://exchange.test', ttlSeconds = 3600): SignedTrackerUrls {
  return new SignedTrackerUrls(TEST_TRACKER_SECRET, publicUrl, ttlSeconds, new Map());
}

/** What {@link pluginFor} and {@link bidderFor} resolve in, as `rtb start` would: silent log, test tracker URLs. */
function testRoot(config: RtbConfig): DependencyContainer {
  return createRootContainer(config, pino({ level: 'silent' }), new Agent(), {
    trackerUrls: testTrackerUrls(config.server.publicUrl),
    bidderPricing: new Map(),
    metrics: new ExchangeMetrics(),
  });
}

/**
 * Resolves plugin `name` of `registry` as the exchange would, with the options `config.plugins` gives it (none when
 * it is not listed), in a DI root like the exchange's (silent log, test tracker URLs, metrics of its own): a plugin
 * instance whose hooks a unit test calls directly. The config and the plugin's options are validated as `rtb check`
 * would (its `scope.options` are what its options schema parsed).
 */
export function pluginFor<P extends Plugin = Plugin>(registry: PluginRegistry, name: string, config: RtbConfigInput = {}): P {
  const parsed = parseConfig(config);
  const index = parsed.plugins.findIndex((plugin) => plugin.name === name);
  const entry = parsed.plugins[index] ?? { name, options: {}, enabled: true, bidders: undefined };
  const at = index < 0 ? 'plugins (test)' : `plugins.${index}`;
  // The options only: the sites' and bidders' keys depend on every plugin and strategy the test does not resolve.
  const keys = checkConfigKeys(
    { ...parsed, sites: {}, bidders: {} },
    [{ entry, at, keys: registry.plugins.get(name)?.configKeys }],
    new Map(),
    registry.plugins,
  );
  if (keys.problems.length) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', keys.problems);
  const options = keys.options.get(entry);
  return resolvePlugin(testRoot(parsed), registry, options ? { ...entry, options } : entry, parsed, at) as P;
}

/** A bidder's strategies as the exchange resolves them: its dialect, its pricing and the view per-bidder hooks get. */
export interface TestBidder {
  readonly dialect: Dialect;
  readonly pricing: Pricing;
  /** What a per-bidder hook's `ctx.bidder` is (for {@link bidderContextFor}). */
  readonly view: BidderView;
}

/**
 * Resolves bidder `name` of `config.bidders` with the dialect and pricing `registry` gives its config, as the
 * exchange does at start-up: for calling a dialect's `encode`/`decode` directly.
 */
export function bidderFor(registry: PluginRegistry, name: string, config: RtbConfigInput): TestBidder {
  const parsed = parseConfig(config);
  const configured = parsed.bidders[name];
  if (!configured) throw new Error(`bidderFor: no bidder "${name}" in config.bidders`);
  const { dialect, pricing, config: bidderConfig } = resolveBidderStrategies(testRoot(parsed), registry, name, configured, parsed);
  return { dialect, pricing, view: { name, config: bidderConfig, pricing } };
}

/** The bids a dialect decoded, or the reason it read none: for assertions on `dialect.decode(...)`. */
export function decodedBids(answer: ReturnType<Dialect['decode']>): readonly DecodedBid[] {
  if (answer.kind !== 'bids') throw new Error(`the dialect read no bids: ${answer.kind} (${answer.reason})`);
  return answer.bids;
}
