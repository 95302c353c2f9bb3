import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import type { Cancellation } from '../http/cancellation.js';
import type { BidderAnswer, OutboundCall } from '../plugin/dialect.js';

const gunzipAsync = promisify(gunzip);

/** A bid request's transport outcome: an answer, or why there is none. */
export type TransportResult =
  | { readonly ok: true; readonly answer: BidderAnswer }
  | { readonly ok: false; readonly aborted: boolean; readonly reason: string };

/**
 * Path and query of a bidder's configured endpoint, partner URL macros (`%%GOOGLE_USER_ID%%`) left as
 * written: what the transport POSTs to unless the dialect sets {@link OutboundCall.path} itself.
 */
export function endpointPathOf(endpoint: string): string {
  const pathStart = endpoint.indexOf('/', endpoint.indexOf('//') + 2);
  return pathStart < 0 ? '/' : endpoint.slice(pathStart);
}

/** Connection settings for one bidder. */
export interface TransportOptions {
  readonly connections: number;
  readonly maxResponseBytes: number;
}

/**
 * One bidder's HTTP client: a pool of keep-alive connections to its origin, built once at start-up. It POSTs
 * an encoded bid request, reads the answer within the size cap, and gunzips it (gzip answers are always
 * accepted). It never throws: every failure is a result.
 *
 * It speaks undici's low-level `dispatch` API with a handler that gathers the answer's chunks: this is every
 * auction's hot path, once per bidder, and `request()` would build a body stream and an abort listener per call.
 */
export class BidderTransport {
  private readonly pool: Pool;
  /** Path and query of the configured endpoint, partner URL macros left as written. */
  readonly endpointPath: string;

  constructor(endpoint: string, private readonly options: TransportOptions) {
    const origin = new URL(endpoint.replace(/%%[A-Z_]+%%/g, 'x')).origin;
    this.endpointPath = endpointPathOf(endpoint);
    this.pool = new Pool(origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000, maxResponseSize: options.maxResponseBytes });
  }

  /**
   * Sends one bid request. `deadline` aborts it with the rest of the auction's calls; `timeoutMs`, the
   * bidder's own limit when it has one, aborts it alone. Either way the result says `aborted`.
   */
  send(call: OutboundCall, deadline: Cancellation, timeoutMs?: number): Promise<TransportResult> {
    return new Promise<AnswerReading>((resolve) => {
      const reading = new AnswerReading(resolve, deadline, timeoutMs);
      try {
        this.pool.dispatch({ method: 'POST', path: call.path ?? this.endpointPath, headers: call.headers, body: call.body }, reading);
      } catch (error) {
        reading.onResponseError(undefined, error as Error);
      }
    }).then((reading) => this.result(reading));
  }

  /** The call's result; a promise only while a gzip answer is inflated. */
  private result(reading: AnswerReading): TransportResult | Promise<TransportResult> {
    const { error, status, headers } = reading;
    if (error) {
      if (reading.aborted) return { ok: false, aborted: true, reason: reading.ownLimitPassed ? 'bidder time limit passed' : 'deadline passed' };
      const cap = this.options.maxResponseBytes;
      if ((error as { code?: string }).code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return { ok: false, aborted: false, reason: `answer larger than ${cap} bytes` };
      return { ok: false, aborted: false, reason: error.message || String(error) };
    }
    const body = reading.body();
    if (body.length === 0 || String(headers['content-encoding'] ?? '').toLowerCase() !== 'gzip') return { ok: true, answer: { status, headers, body } };
    return gunzipAsync(body, { maxOutputLength: this.options.maxResponseBytes }).then(
      (inflated): TransportResult => ({ ok: true, answer: { status, headers, body: inflated } }),
      (error: Error): TransportResult => ({ ok: false, aborted: false, reason: `bad gzip answer: ${error.message}` }),
    );
  }

  /** Closes the pool's connections (after the last auction). */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** One call's answer as undici hands it over: status, headers and body chunks, or the error that ended it. */
class AnswerReading implements Dispatcher.DispatchHandler {
  status = 0;
  headers: IncomingHttpHeaders = {};
  error?: Error;
  /** Whether the auction's deadline or the bidder's own time limit ended the call. */
  aborted = false;
  /** Whether it was the bidder's own time limit. */
  ownLimitPassed = false;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private controller?: Dispatcher.DispatchController;
  private timer?: NodeJS.Timeout;
  private settled = false;

  constructor(private readonly resolve: (reading: AnswerReading) => void, private readonly deadline: Cancellation, private readonly timeoutMs?: number) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.deadline.track(controller);
    if (this.timeoutMs && !controller.aborted) {
      this.timer = setTimeout(() => {
        this.ownLimitPassed = true;
        controller.abort(new Error('bidder time limit passed'));
      }, this.timeoutMs);
    }
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  onResponseEnd(): void {
    this.settle();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.error = error;
    this.aborted = this.controller?.aborted === true || this.deadline.cancelled;
    this.settle();
  }

  /** The whole answer body. */
  body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.deadline.untrack(this.controller);
    this.resolve(this);
  }
}
