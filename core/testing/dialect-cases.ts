import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { RtbConfigInput } from '../config/schema.js';
import type { DecodedAnswer } from '../plugin/dialect.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { BidRequest } from '../openrtb/types.js';
import { bidderFor } from './resolve.js';
import { bidderContextFor } from './stage-contexts.js';

/**
 * One dialect test as data, as Prebid Server's adapters are tested: a bidder's config, the canonical request in,
 * the HTTP call the dialect must write, the partner's answer, and what the dialect must read from it.
 * JSON files (one case each) in a dialect's `cases/` folder; {@link playDialectCase} runs one:
 * `expect(playDialectCase(registry, testCase).mismatches).toEqual([])`.
 */
export interface DialectCase {
  /** What the case shows (the test's name). */
  readonly name: string;
  /** The bidder's config (`bidders.<name>`: `endpoint`, `dialect`, …). */
  readonly bidder: NonNullable<RtbConfigInput['bidders']>[string];
  /** The request the dialect encodes (the exchange's canonical OpenRTB 2.6). */
  readonly request: BidRequest;
  /** What the call must be, each part given compared whole: its path, its headers, its body (gunzipped, parsed when JSON). */
  readonly expectedCall: { readonly path?: string; readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown };
  /** The partner's answer as the dialect gets it (the transport has gunzipped it): status, headers, a body (JSON value, or text). */
  readonly answer: { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown };
  /**
   * What the dialect must read, as a subset (other keys not compared; `null`: the key absent): `{ kind: 'bids',
   * bids: [...] }`, `{ kind: 'nobid' }`, `{ kind: 'error' }`.
   */
  readonly expectedAnswer: unknown;
}

/** What a played case produced, and where it differs from what the case expects (none: the case passes). */
export interface PlayedCase {
  readonly call: { readonly path: string | undefined; readonly headers: Readonly<Record<string, string>>; readonly body: unknown };
  readonly answer: DecodedAnswer;
  /** One line per difference: `call.body: …`, `answer.bids.0.priceMicros: expected 1234567, got 1234568`. */
  readonly mismatches: string[];
}

/** The cases of a folder (`new URL('./cases', import.meta.url)`): every `*.json`, in name order. */
export function readDialectCases(folder: URL | string): DialectCase[] {
  const dir = folder instanceof URL ? fileURLToPath(folder) : folder;
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as DialectCase);
}

/**
 * Runs one case through the dialect `registry` resolves for its bidder, as the exchange would: `encode` the
 * request (the body gunzipped when the call says so, parsed when it is JSON), then `decode` the answer.
 */
export function playDialectCase(registry: PluginRegistry, testCase: DialectCase): PlayedCase {
  const { dialect, view } = bidderFor(registry, 'case-bidder', { bidders: { 'case-bidder': testCase.bidder } });
  const ctx = bidderContextFor(view);
  const call = dialect.encode(testCase.request, ctx);
  const raw = typeof call.body === 'string' ? Buffer.from(call.body) : call.body;
  const text = (call.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  const body = /json/.test(call.headers['content-type'] ?? '') ? JSON.parse(text) : text;
  const { answer } = testCase;
  const answerBody = Buffer.from(answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  const decoded = dialect.decode({ status: answer.status, headers: { ...answer.headers }, body: answerBody }, testCase.request, ctx);
  const played = { path: call.path, headers: call.headers, body };
  const mismatches: string[] = [];
  for (const part of ['path', 'headers', 'body'] as const) {
    const expected = testCase.expectedCall[part];
    if (expected !== undefined && !isDeepStrictEqual(played[part], expected)) {
      mismatches.push(`call.${part}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(played[part])}`);
    }
  }
  mismatches.push(...subsetMismatches(decoded, testCase.expectedAnswer, 'answer'));
  return { call: played, answer: decoded, mismatches };
}

/**
 * Where `actual` differs from `expected`, reading `expected` as a subset: objects' other keys are not compared;
 * arrays are, item by item, whole length; `null` expects the key absent (or null).
 */
function subsetMismatches(actual: unknown, expected: unknown, at: string): string[] {
  if (expected === null) return actual === undefined || actual === null ? [] : [`${at}: expected none, got ${JSON.stringify(actual)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${at}: expected ${expected.length} items, got ${JSON.stringify(actual)}`];
    return expected.flatMap((item, i) => subsetMismatches(actual[i], item, `${at}.${i}`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => subsetMismatches((actual as Record<string, unknown>)[key], value, `${at}.${key}`));
  }
  return Object.is(actual, expected) ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
