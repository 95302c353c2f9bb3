import 'reflect-metadata';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent } from 'undici';
import { builtinRegistry } from '../plugins/builtin.js';
import { RtbStartupError } from './config/errors.js';
import { redactedUrl } from './config/redacted-url.js';
import { loadConfig, type CompiledModules } from './config/load.js';
import { ProcessQpsShare } from './auction/qps-share.js';
import { configForWorker, joinClusterMetrics, joinQpsShare, reportListening, reportStartFailure, runPrimary, workerSlot } from './cluster.js';
import { Exchange } from './exchange.js';
import { resolveExchange, type ExchangePlan } from './exchange-plan.js';
import { ExchangePrimary } from './exchange-primary.js';
import { createLog } from './log.js';
import { guardProcess } from './process-guards.js';
import { logStartupFailure, problemCode, startupProblems } from './startup-failure.js';
import { shareTrackerSecret } from './trackers/tracker-secret.js';
import { workerChannel } from './plugin/cluster-channel.js';
import type { RtbConfig } from './config/schema.js';

const USAGE = `usage:
  rtb start [--config FILE] [--port N] [--workers N|auto]
                                         run the exchange (default auto: one worker per core;
                                         --workers 1: a single process, no cluster)
  rtb check [--config FILE]              validate the config and print the resolved plan
  rtb plan  [--config FILE]              same as check`;

/** Where the Prebid-compatible cache keeps its values (`rtb check`'s `cache:` line). */
function describeCache(config: RtbConfig): string {
  const { cache, state } = config;
  if (!cache.enabled) return 'off';
  const where = state.backend === 'redis' ? `redis ${redactedUrl(state.redis.url)} prefix=${state.redis.prefix}cache:` : `memory ${cache.memoryBytes} bytes (under --workers N: the primary's)`;
  return `${where} ttl=${cache.ttlSeconds}s max=${cache.maxTtlSeconds}s`;
}

/**
 * Prints the resolved plan: bidders with their dialect and pricing, the plugins of each stage in order, where the
 * shared state lives, and where the cache keeps its values.
 */
function printPlan(plan: ExchangePlan, file: string, config: RtbConfig): void {
  const lines = [`config: ${file}`, 'bidders:'];
  for (const b of plan.bidders) {
    lines.push(`  ${b.name}: ${b.endpoint} dialect=${b.dialect} pricing=${b.pricing} openrtb=${b.openrtbVersion} gzip=${b.gzip}${b.maxQps === undefined ? '' : ` maxQps=${b.maxQps}`}`);
  }
  if (plan.bidders.length === 0) lines.push('  (none)');
  lines.push('stages:');
  for (const [stage, plugins] of Object.entries(plan.stages)) lines.push(`  ${stage}: ${plugins.join(' → ') || '(none)'}`);
  lines.push(`state: ${plan.state}`, `cache: ${describeCache(config)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** What `runCli` knows of the run when start-up fails: where the log goes, and whether this is `rtb start`. */
const run: { starting: boolean; log?: RtbConfig['log'] } = { starting: false };

/**
 * Resolves when the exchange should stop: SIGTERM or SIGINT, or, when npm started it (`npm start`, `npx rtb`), once
 * its parent is gone. npm does not pass a SIGTERM on past the shell it runs a script in: the signal ends npm and
 * the shell, and left the exchange serving, re-parented. The parent is looked at twice a second.
 * Handlers stay installed: a second signal (a process group signalled twice, a cluster worker signalled by its
 * primary and by systemd) must not kill the process half-way through its graceful stop.
 */
function stopRequested(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.on('SIGTERM', () => resolve());
    process.on('SIGINT', () => resolve());
    if (process.env.npm_lifecycle_event === undefined || cluster.isWorker) return;
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      resolve();
    }, 500);
    watch.unref();
  });
}

async function main(argv: string[], compiled?: CompiledModules): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, workers: { type: 'string', short: 'w' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help || !command || !['start', 'check', 'plan'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  run.starting = command === 'start';
  const { config, filepath } = await loadConfig(values.config, process.cwd(), compiled, builtinRegistry());
  run.log = config.log;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RtbStartupError('RTB_ERR_ARGS', [`--port: not a port number: ${values.port}`]);
    config.server.port = port;
  }
  if (command !== 'start') {
    printPlan(await checkPlan(config), filepath, config);
    return 0;
  }
  const workers = values.workers === undefined || values.workers === 'auto' ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new RtbStartupError('RTB_ERR_ARGS', [`--workers: not a worker count: ${values.workers}`]);
  const slot = workerSlot();
  // Installed before the exchange starts, so a signal that arrives while it starts (or right after it logs
  // that it listens) stops it gracefully once started.
  const stop = stopRequested();
  if (workers > 1 && slot === undefined) {
    // The whole plan is resolved before any worker is forked: a wrong plan stops here, as `rtb check` does, instead
    // of in every worker.
    await checkPlan(config);
    const log = createLog(config.log);
    guardProcess(() => log.log);
    shareTrackerSecret(config.trackers, log.log);
    try {
      return await runPrimary(config, workers, log, stop, (channel, qpsShare) => ExchangePrimary.start(config, builtinRegistry(), log.log, channel, qpsShare));
    } finally {
      await log.flush();
    }
  }
  // SIGHUP reopens `log.file` (log rotation) rather than ending the process, Node's default. One that arrives
  // while the exchange starts finds its log just opened: nothing to reopen.
  let exchange: Exchange | undefined;
  process.on('SIGHUP', () => exchange?.reopenLog());
  guardProcess(() => exchange?.log);
  // A worker's share of the fleet's caps comes from its primary, which runs the state backend.
  const qpsShare = new ProcessQpsShare();
  exchange = await Exchange.start(
    slot === undefined ? config : configForWorker(config, workers),
    slot === undefined ? { registry: builtinRegistry() } : { registry: builtinRegistry(), qpsShare, cluster: workerChannel() },
  );
  if (slot !== undefined) {
    joinQpsShare(qpsShare);
    joinClusterMetrics(exchange.metrics);
    reportListening();
  }
  await stop;
  await exchange.stop();
  return 0;
}

/** Resolves the whole plan (plugins, dialects, pricing and their options) without opening a connection; throws what is wrong. */
async function checkPlan(config: RtbConfig): Promise<ExchangePlan> {
  const dispatcher = new Agent();
  try {
    return resolveExchange(config, builtinRegistry(), pino({ level: 'silent' }), dispatcher).plan;
  } finally {
    await dispatcher.close();
  }
}

/**
 * Runs the `rtb` command with `argv` (without `node` and the script) and exits the process with its status.
 * `compiled` maps config sources to the modules core/bin.mjs compiled them into. A start-up failure is one line
 * per problem on standard error (`RTB_ERR_… key: …`) and, for `rtb start`, the same as fatal JSON lines where the
 * log goes; a cluster worker instead tells its primary, which stops the cluster when workers keep failing.
 */
export function runCli(argv: string[], compiled?: CompiledModules): Promise<void> {
  return main(argv, compiled).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const failure = startupProblems(error);
      const slot = workerSlot();
      if (slot !== undefined) {
        logStartupFailure(failure, run.log, { slot });
        reportStartFailure(failure, () => process.exit(1));
        return;
      }
      if (error instanceof RtbStartupError) {
        failure.problems.forEach((problem, i) => process.stderr.write(`${problemCode(failure, i)} ${problem}\n`));
      } else {
        process.stderr.write(`rtb: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      if (run.starting) logStartupFailure(failure, run.log);
      process.exit(1);
    },
  );
}
