import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { RtbConfig } from './config/schema.js';
import { servePrimaryCache } from './cache/open-cache.js';
import { resolveExchange } from './exchange-plan.js';
import type { ExchangeMetrics } from './metrics.js';
import type { QpsShare } from './auction/qps-share.js';
import type { ClusterChannel } from './plugin/cluster-channel.js';
import type { PluginRegistry } from './plugin/registry.js';

/**
 * The part of an exchange that the primary of `rtb start --workers N` runs: every plugin resolved as in a worker,
 * and `startPrimary` called on those that hold what the machine's workers share (the `notices` plugin: the
 * billed set, the journal and the delivery), and the machine's in-memory cache served to the workers. No auction
 * runs here, no port is opened.
 */
export class ExchangePrimary {
  private stopping?: Promise<void>;

  private constructor(
    /** The primary's own metrics (the notices delivered, pending …): summed with the workers' on a scrape. */
    readonly metrics: ExchangeMetrics,
    private readonly stops: ReadonlyArray<() => void | Promise<void>>,
    private readonly log: Logger,
  ) {}

  /**
   * Resolves the plan with `channel` as `Tokens.Cluster` and `qpsShare` as `Tokens.QpsShare` (the workers' share
   * of the fleet's caps) and starts the plugins' primary parts, in plan order. Throws what resolving or a
   * `startPrimary` throws, after stopping the parts already started.
   */
  static async start(config: RtbConfig, registry: PluginRegistry, log: Logger, channel: ClusterChannel, qpsShare: QpsShare): Promise<ExchangePrimary> {
    const dispatcher = new Agent();
    const stops: Array<() => void | Promise<void>> = [() => dispatcher.close()];
    try {
      const { plugins, metrics } = resolveExchange(config, registry, log, dispatcher, { cluster: channel, qpsShare });
      const cache = servePrimaryCache(config, channel);
      if (cache) stops.unshift(() => cache.close());
      for (const { instance } of plugins) {
        if (!instance.startPrimary) continue;
        await instance.startPrimary(channel);
        stops.unshift(() => instance.stopPrimary?.());
      }
      return new ExchangePrimary(metrics, stops, log);
    } catch (error) {
      await stopAll(stops, log);
      throw error;
    }
  }

  /** Once every worker has stopped: stops the plugins' primary parts in reverse order. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= stopAll(this.stops, this.log);
    return this.stopping;
  }
}

/** Runs each stop in order; one that fails is logged and the next still runs. */
async function stopAll(stops: ReadonlyArray<() => void | Promise<void>>, log: Logger): Promise<void> {
  for (const stop of stops) {
    try {
      await stop();
    } catch (error) {
      log.warn({ err: error }, 'error while stopping the primary');
    }
  }
}
