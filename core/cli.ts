import 'reflect-metadata';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent } from 'undici';
import { builtinRegistry } from '../plugins/builtin.js';
import { RtbStartupError } from './config/errors.js';
import { loadConfig, type CompiledModules } from './config/load.js';
import { configForWorker, joinClusterMetrics, runPrimary, workerSlot } from './cluster.js';
import { Exchange, resolveExchange, type ExchangePlan } from './exchange.js';
import { createLog } from './log.js';
import { guardProcess } from './process-guards.js';

const USAGE = `usage:
  rtb start [--config FILE] [--port N] [--workers N|auto]
                                         run the exchange (default auto: one worker per core;
                                         --workers 1: a single process, no cluster)
  rtb check [--config FILE]              validate the config and print the resolved plan
  rtb plan  [--config FILE]              same as check`;

/** Prints the resolved plan: bidders with their dialect and pricing, then the plugins of each stage in order. */
function printPlan(plan: ExchangePlan, file: string): void {
  const lines = [`config: ${file}`, 'bidders:'];
  for (const b of plan.bidders) {
    lines.push(`  ${b.name}: ${b.endpoint} dialect=${b.dialect} pricing=${b.pricing} openrtb=${b.openrtbVersion} gzip=${b.gzip}${b.maxQps === undefined ? '' : ` maxQps=${b.maxQps}`}`);
  }
  if (plan.bidders.length === 0) lines.push('  (none)');
  lines.push('stages:');
  for (const [stage, plugins] of Object.entries(plan.stages)) lines.push(`  ${stage}: ${plugins.join(' → ') || '(none)'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
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
  const { config, filepath } = await loadConfig(values.config, process.cwd(), compiled);
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RtbStartupError('RTB_ERR_ARGS', [`--port: not a port number: ${values.port}`]);
    config.server.port = port;
  }
  if (command !== 'start') {
    const dispatcher = new Agent();
    printPlan(resolveExchange(config, builtinRegistry(), pino({ level: 'silent' }), dispatcher).plan, filepath);
    await dispatcher.close();
    return 0;
  }
  const workers = values.workers === undefined || values.workers === 'auto' ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new RtbStartupError('RTB_ERR_ARGS', [`--workers: not a worker count: ${values.workers}`]);
  const slot = workerSlot();
  if (workers > 1 && slot === undefined) {
    const log = createLog(config.log);
    guardProcess(() => log.log);
    const code = await runPrimary(config, workers, log);
    await log.flush();
    return code;
  }
  // Installed before the exchange starts, so a signal that arrives while it starts (or right after it logs
  // that it listens) stops it gracefully once started. Handlers stay installed: a second signal (a process
  // group signalled twice, a cluster worker signalled by its primary and by systemd) must not kill the
  // process half-way through its graceful stop.
  const stopRequested = new Promise<void>((resolve) => {
    process.on('SIGTERM', () => resolve());
    process.on('SIGINT', () => resolve());
  });
  // SIGHUP reopens `log.file` (log rotation) rather than ending the process, Node's default. One that arrives
  // while the exchange starts finds its log just opened: nothing to reopen.
  let exchange: Exchange | undefined;
  process.on('SIGHUP', () => exchange?.reopenLog());
  guardProcess(() => exchange?.log);
  exchange = await Exchange.start(slot === undefined ? config : configForWorker(config, slot, workers), { registry: builtinRegistry() });
  if (slot !== undefined) joinClusterMetrics(exchange.metrics);
  await stopRequested;
  await exchange.stop();
  return 0;
}

/**
 * Runs the `rtb` command with `argv` (without `node` and the script) and exits the process with its status.
 * `compiled` maps config sources to the modules core/bin.mjs compiled them into.
 */
export function runCli(argv: string[], compiled?: CompiledModules): Promise<void> {
  return main(argv, compiled).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof RtbStartupError) {
        for (const problem of error.problems) process.stderr.write(`${error.code} ${problem}\n`);
      } else {
        process.stderr.write(`rtb: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      process.exit(1);
    },
  );
}
