import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, request } from 'undici';
import { onTestFinished } from 'vitest';
import type { AuctionLogRecord } from '../core/auction/auction-log.js';
import type { RtbConfigInput } from '../core/config/schema.js';
import { startTestExchange, type TestExchange } from '../core/testing/index.js';
import type { PluginRegistry } from '../core/plugin/registry.js';
import { startMockBidder, type MockBidder, type MockBidderOptions } from '../core/testing/index.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { until } from './until.js';

/** An HTTP answer read whole. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: () => any;
}

/** Sends one HTTP request over a real connection and reads the whole answer. */
export async function http(url: string, options: { method?: 'GET' | 'POST' | 'OPTIONS'; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const response = await request(url, { method: options.method ?? 'GET', body: options.body, headers: options.headers });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
}

/**
 * Like {@link http}, on a connection of its own, closed after the answer: under `rtb start --workers N` each such
 * request may reach another worker (the cluster hands out connections, not requests).
 */
export async function httpOnFreshConnection(url: string, options: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const client = new Client(new URL(url).origin, { pipelining: 0 });
  try {
    const response = await client.request({ path: new URL(url).pathname + new URL(url).search, method: options.method ?? 'GET', body: options.body, headers: options.headers });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
  } finally {
    await client.close();
  }
}

/** POSTs an OpenRTB request as JSON. */
export function postAuction(exchange: TestExchange, body: unknown): Promise<HttpAnswer> {
  return http(`${exchange.url}/openrtb2/auction`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

/** A running exchange with named mock bidders, and a way to stop them all. */
export interface Rig {
  exchange: TestExchange;
  bidders: Record<string, MockBidder>;
  stop(): Promise<void>;
}

/**
 * Starts mock bidders (name → options) and an exchange that asks all of them, in the order given.
 * `config` is merged over a one-site default (`site=s`, banner 300×250, no floor).
 */
export async function startRig(
  bidders: Record<string, MockBidderOptions & { bidderConfig?: Record<string, unknown> }>,
  config: Partial<RtbConfigInput> = {},
  registry: PluginRegistry = builtinRegistry(),
): Promise<Rig> {
  const mocks: Record<string, MockBidder> = {};
  const bidderConfigs: Record<string, Record<string, unknown>> = {};
  for (const [name, { bidderConfig, ...options }] of Object.entries(bidders)) {
    mocks[name] = await startMockBidder(options);
    bidderConfigs[name] = { endpoint: `${mocks[name].url}/bid`, ...bidderConfig };
  }
  const exchange = await startTestExchange({
    sites: { s: { banner: { w: 300, h: 250 }, floor: 0 } },
    ...config,
    bidders: { ...bidderConfigs, ...(config.bidders as object | undefined) } as RtbConfigInput['bidders'],
  }, registry);
  return {
    exchange,
    bidders: mocks,
    stop: async () => {
      await exchange.stop();
      await Promise.all(Object.values(mocks).map((mock) => mock.close()));
    },
  };
}

/** The auction log lines the exchange wrote (`core/auction/auction-log.ts`'s records). */
export function auctionLines(exchange: TestExchange) {
  return exchange.logs.withMessage('auction') as unknown as AuctionLogRecord[];
}

/** The complete JSON lines of a log file written so far (none while it does not exist). */
export function logFileLines(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs `node core/bin.mjs ARGS` (the `rtb` command) from the repository root, with `env` (this process's by
 * default): the child, and its exit code once it exits. Killed (SIGKILL) when the calling test finishes if it still runs, so a failed or timed-out test
 * leaves no exchange behind. Call it inside a test.
 */
export function spawnRtb(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcessWithoutNullStreams; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(root, 'core/bin.mjs'), ...args], { cwd: root, env });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited };
}

/**
 * `rtb start --config FILE --workers N` ({@link spawnRtb}) with its log lines; `listening()` resolves, once all N
 * workers listen, with the URL they share.
 */
export function spawnCluster(config: string, workers: number, env?: NodeJS.ProcessEnv) {
  const { child, exited } = spawnRtb(['start', '--config', config, '--workers', String(workers)], env);
  const lines = jsonLinesOf(child);
  const listening = async (): Promise<string> => {
    const listeners = () => lines.filter((line) => line.msg === 'exchange listening');
    await until(() => listeners().length === workers, `${workers} workers listening`);
    return listeners()[0]!.url as string;
  };
  return { child, exited, lines, listening };
}

/** The JSON log lines a child writes on its standard output, parsed as they arrive (the array grows). */
export function jsonLinesOf(child: ChildProcessWithoutNullStreams): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const text of complete) if (text.startsWith('{')) lines.push(JSON.parse(text) as Record<string, unknown>);
  });
  return lines;
}
