import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { parseConfig } from './config/load.js';
import type { RtbConfigInput } from './config/schema.js';
import { Exchange } from './exchange.js';
import type { HookCallTags, HookOutcomeKind } from './hooks/run-hook.js';
import type { PluginRegistry } from './plugin/registry.js';
import type { AuctionOutcome, ValidBid } from './auction/bids.js';
import type { AuctionContext } from './auction/context.js';

/** A log line captured by the test harness, parsed. */
export type LogLine = Record<string, unknown> & { msg?: string; level: number };

/** Log lines kept in memory, for assertions on what the exchange logged. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly log: Logger;

  constructor(level = 'debug') {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString('utf8').split('\n')) if (text) this.lines.push(JSON.parse(text) as LogLine);
        done();
      },
    });
    this.log = pino({ level }, sink);
  }

  /** Lines whose `msg` is `msg`. */
  withMessage(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }
}

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
  // A journal directory of its own unless the test names one (restart tests do), removed when it stops.
  const scratch = config.notices?.journalDir === undefined ? mkdtempSync(path.join(tmpdir(), 'rtb-test-notices-')) : undefined;
  const removeScratch = () => scratch && rmSync(scratch, { recursive: true, force: true });
  const logs = new LogCapture();
  const hookOutcomes: TestExchange['hookOutcomes'] = [];
  let exchange: Exchange;
  try {
    const parsed = parseConfig({
      ...config,
      server: { port: 0, host: '127.0.0.1', ...config.server },
      ...(scratch ? { notices: { ...config.notices, journalDir: scratch } } : {}),
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

/**
 * An {@link AuctionContext} for calling an `auction` (or other per-auction) hook directly in a unit test:
 * one banner imp per entry of `floors` (imp id → floor in micros), currency USD, a silent log.
 */
export function auctionContextFor(floors: Record<string, number>): AuctionContext {
  return {
    auctionId: 'auction-1',
    request: { id: 'auction-1', imp: Object.keys(floors).map((id) => ({ id, banner: { w: 300, h: 250 } })) },
    origin: 'openrtb',
    floors: new Map(Object.entries(floors)),
    currency: 'USD',
    startedAt: 0,
    deadline: 0,
    log: pino({ level: 'silent' }),
  };
}

/** A valid banner bid of `bidder` on `impid` at `priceMicros`, the `arrival`-th to arrive, for auction hook tests. */
export function validBid(bidder: string, priceMicros: number, arrival: number, impid = '1'): ValidBid {
  return {
    bidder,
    arrival,
    priceMicros,
    currency: 'USD',
    admFormat: 'html',
    bid: { id: `${bidder}-${impid}`, impid, price: priceMicros / 1_000_000, adm: '<b>ad</b>', mtype: 1 },
  };
}

/** An auction outcome as plain rows (who won what at which price; who lost with which code), for assertions. */
export function outcomeRows(outcome: AuctionOutcome) {
  return {
    awards: outcome.awards.map((a) => ({ bidder: a.candidate.bidder, imp: a.candidate.bid.impid, pays: a.clearingMicros, minToWin: a.minToWinMicros })),
    losses: outcome.losses.map((l) => ({ bidder: l.candidate.bidder, imp: l.candidate.bid.impid, code: l.code, minToWin: l.minToWinMicros })),
  };
}
