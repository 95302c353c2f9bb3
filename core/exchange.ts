import { createServer, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { BidderPlan } from './auction/bidder-plan.js';
import { RtbStartupError } from './config/errors.js';
import { createApp } from './app.js';
import { resolveExchange, type ExchangePlan } from './exchange-plan.js';
import { publicUrlOf } from './http/public-url.js';
import { AuctionPipeline } from './auction/pipeline.js';
import { QpsLimit } from './auction/qps-limit.js';
import { ProcessQpsShare } from './auction/qps-share.js';
import { ServerDrain } from './http/drain.js';
import { BidderTransport } from './auction/transport.js';
import type { RtbConfig } from './config/schema.js';
import type { PlannedPlugin } from './hooks/hook-plan.js';
import type { HookEnvironment, HookObserver } from './hooks/run-hook.js';
import { createLog, type ExchangeLog } from './log.js';
import { ExchangeMetrics } from './metrics.js';
import { SINGLE_PROCESS, type ClusterChannel } from './plugin/cluster-channel.js';
import { openBidCache } from './cache/open-cache.js';
import type { PluginRegistry } from './plugin/registry.js';

/** How to start an exchange. */
export interface ExchangeOptions {
  /** Names → plugin, dialect and pricing classes (the CLI passes the built-ins). */
  readonly registry: PluginRegistry;
  /** A logger to use instead of one built from `config.log` (tests capture lines this way). */
  readonly log?: Logger;
  /** Told of every hook outcome, besides the exchange's own metrics (`rtb_hook_calls_total`). */
  readonly observeHooks?: HookObserver;
  /** This process's cluster channel (`Tokens.Cluster`): a cluster worker's under `rtb start --workers N`; else a single process's. */
  readonly cluster?: ClusterChannel;
  /** The share of every bidder's `maxQps` this process holds (`Tokens.QpsShare`); a whole one by default. */
  readonly qpsShare?: ProcessQpsShare;
}

/** A running exchange: its HTTP server, its pipeline, and a way to stop it gracefully. */
export class Exchange {
  private stopping?: Promise<void>;

  private constructor(
    readonly config: RtbConfig,
    readonly plan: ExchangePlan,
    readonly log: Logger,
    private readonly server: Server,
    private readonly drain: ServerDrain,
    private readonly beginDraining: () => void,
    private readonly closers: ReadonlyArray<() => Promise<void> | void>,
    /** The log the exchange made from `config.log` (none when it was given a logger): flushed on stop. */
    private readonly ownLog: ExchangeLog | undefined,
    /** The exchange's Prometheus metrics (`GET /metrics`). */
    readonly metrics: ExchangeMetrics,
  ) {}

  /** The local address the server listens on (`http://127.0.0.1:PORT`). */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.config.server.host === '0.0.0.0' ? '127.0.0.1' : this.config.server.host}:${port}`;
  }

  /**
   * Builds everything once (plugins, bidder plans, pools), starts sidecars and plugins, then listens.
   * Throws {@link RtbStartupError} for an unknown plugin, dialect or pricing name.
   */
  static async start(config: RtbConfig, options: ExchangeOptions): Promise<Exchange> {
    const owned = options.log ? undefined : createLog(config.log);
    const log = options.log ?? owned!.log;
    const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
    // What has been started so far, in the order to stop it (bidder pools, plugins in reverse, the shared
    // dispatcher, sidecars): on shutdown, or at once when start-up fails half-way.
    const closers: Array<() => Promise<void> | void> = [() => dispatcher.close()];
    const undo = async () => {
      for (const close of closers) await Promise.resolve().then(close).catch(() => undefined);
    };
    try {
      const qpsShare = options.qpsShare ?? new ProcessQpsShare();
      const resolved = resolveExchange(config, options.registry, log, dispatcher, { ...(options.cluster ? { cluster: options.cluster } : {}), qpsShare });
      const { metrics } = resolved;
      const extra = options.observeHooks;
      const observe: HookObserver = extra
        ? (tags, outcome) => {
            metrics.recordHook(tags, outcome);
            extra(tags, outcome);
          }
        : (tags, outcome) => metrics.recordHook(tags, outcome);
      const env: HookEnvironment = { log, observe };
      for (const start of config.sidecars) {
        const sidecar = await start();
        closers.push(() => sidecar.close());
      }
      for (const { instance } of resolved.plugins) {
        await instance.start?.();
        closers.unshift(() => instance.stop?.());
      }
      const bidders: BidderPlan[] = resolved.bidders.map((bidder) => ({
        ...bidder,
        transport: new BidderTransport(bidder.view.config.endpoint, bidder.view.config),
        ...(bidder.view.config.maxQps === undefined ? {} : { qps: new QpsLimit(bidder.view.config.maxQps, performance.now()) }),
      }));
      for (const bidder of bidders) closers.unshift(() => bidder.transport.close());
      qpsShare.attach(bidders.flatMap((bidder) => (bidder.qps ? [bidder.qps] : [])));
      const pipeline = new AuctionPipeline({ config, bidders, stages: resolved.stages, log, env, metrics });
      const cache = await openBidCache(config, options.cluster ?? SINGLE_PROCESS);
      if (cache) closers.unshift(() => cache.close());
      let draining = false;
      const app = createApp({
        config, pipeline, stages: resolved.stages, env, log, trackers: resolved.trackers, metrics, ...(cache ? { cache } : {}),
        draining: () => draining,
        readiness: () => readiness(draining, resolved.plugins),
      });
      const server = createServer(serverOptions(config), app.callback());
      server.listen({ port: config.server.port, host: config.server.host });
      const drain = new ServerDrain(server);
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', (error) => reject(new RtbStartupError('RTB_ERR_LISTEN', [`server.port: cannot listen on ${config.server.host}:${config.server.port}: ${error.message}`])));
      });
      server.keepAliveTimeout = 5_000;
      resolved.trackers.listeningAt(`http://${config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host}:${(server.address() as AddressInfo).port}`);
      const exchange = new Exchange(config, resolved.plan, log, server, drain, () => (draining = true), closers, owned, metrics);
      log.info({ url: exchange.url, publicUrl: publicUrlOf(config), bidders: bidders.length }, 'exchange listening');
      return exchange;
    } catch (error) {
      await undo();
      await owned?.flush();
      throw error;
    }
  }

  /**
   * Stops gracefully: `/readyz` turns 503, no new connections, every request that reached the server is answered
   * (with `Connection: close`) and kept-alive connections close after their answer ({@link ServerDrain}), all
   * within `server.shutdownTimeoutMs`; then plugins stop, pools close, sidecars stop and the log is flushed. Safe
   * to call twice.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('exchange stopping: finishing in-flight auctions');
      this.beginDraining();
      // The listening socket may stay open for half the drain's time while clients still connect (ServerDrain).
      const closed = this.drain.begin(this.config.server.shutdownTimeoutMs / 2);
      const grace = setTimeout(() => this.drain.destroyAll(), this.config.server.shutdownTimeoutMs);
      await closed;
      clearTimeout(grace);
      for (const close of this.closers) {
        try {
          await close();
        } catch (error) {
          this.log.warn({ err: error }, 'error while stopping');
        }
      }
      this.log.info('exchange stopped');
      await this.ownLog?.flush();
    })();
    return this.stopping;
  }

  /**
   * Reopens `log.file` by its name: `rtb start` calls this on SIGHUP, once a log rotation has moved the file
   * away. An exchange that logs to standard output, or was given its logger, has nothing to reopen.
   */
  reopenLog(): void {
    this.ownLog?.reopen();
  }
}

/**
 * Why the exchange should not be sent traffic (`GET /readyz`), or nothing when it is ready: shutting down, or a
 * plugin not ready (its `ready()`: the notices journal not writable …); and what plugins report as degraded (their
 * `degraded()`). The config is loaded and every plugin started before the server listens, so a server that answers
 * has both.
 */
function readiness(draining: boolean, plugins: readonly PlannedPlugin[]): { reasons: string[]; degraded: string[] } {
  const reasons = draining ? ['shutting down'] : [];
  const degraded: string[] = [];
  for (const { name, instance } of plugins) {
    if (instance.ready) {
      const answer = ask(() => instance.ready!());
      if (answer !== true) reasons.push(`${name}: ${typeof answer === 'string' && answer ? answer : 'not ready'}`);
    }
    if (instance.degraded) {
      const worse = ask(() => instance.degraded!());
      if (worse) degraded.push(`${name}: ${worse}`);
    }
  }
  return { reasons, degraded };
}

/** A plugin's answer to a readiness question, or what it threw. */
function ask<T>(question: () => T): T | string {
  try {
    return question();
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The HTTP server's limits: a whole request within `server.requestTimeoutMs` (its headers too), checked every
 * quarter of it (Node checks every 30 s by default, so the limit would hold only to the nearest half-minute).
 */
function serverOptions(config: RtbConfig): ServerOptions {
  const { requestTimeoutMs } = config.server;
  return { requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.max(250, Math.min(1_000, requestTimeoutMs / 4)) };
}

