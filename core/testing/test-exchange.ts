import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../config/load.js';
import type { RtbConfigInput } from '../config/schema.js';
import { Exchange } from '../exchange.js';
import type { HookCallTags, HookOutcomeKind } from '../hooks/run-hook.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { LogCapture } from './log-capture.js';

/** A running exchange for a test: its URL, its captured log, the hook outcomes it recorded. */
export interface TestExchange {
  readonly exchange: Exchange;
  readonly url: string;
  readonly logs: LogCapture;
  readonly hookOutcomes: Array<HookCallTags & { outcome: HookOutcomeKind }>;
  stop(): Promise<void>;
}

/**
 * Starts a real exchange on a free loopback port with the same wiring as `rtb start`, logging into memory, with
 * the notices journal in a temporary directory unless `config.notices.journalDir` names one.
 * For plugin authors: register your plugin in `registry` and list it in `config.plugins`.
 */
export async function startTestExchange(config: RtbConfigInput, registry: PluginRegistry): Promise<TestExchange> {
  // A journal directory of its own (the built-in notices plugin's section) unless the test names one (restart tests
  // do), removed when it stops.
  const notices = (config.notices ?? {}) as { journalDir?: unknown };
  const scratch = notices.journalDir === undefined ? mkdtempSync(path.join(tmpdir(), 'rtb-test-notices-')) : undefined;
  const removeScratch = () => scratch && rmSync(scratch, { recursive: true, force: true });
  const logs = new LogCapture();
  const hookOutcomes: TestExchange['hookOutcomes'] = [];
  let exchange: Exchange;
  try {
    const parsed = parseConfig({
      ...config,
      server: { port: 0, host: '127.0.0.1', ...config.server },
      ...(scratch ? { notices: { ...notices, journalDir: scratch } } : {}),
    });
    exchange = await Exchange.start(parsed, {
      registry,
      log: logs.log,
      observeHooks: (tags, outcome) => hookOutcomes.push({ ...tags, outcome }),
    });
  } catch (error) {
    // A config or start-up the test expects to fail leaves no directory behind.
    removeScratch();
    throw error;
  }
  const stop = async () => {
    await exchange.stop();
    removeScratch();
  };
  return { exchange, url: exchange.url, logs, hookOutcomes, stop };
}
