import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Pool } from 'undici';
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

  /** Sends one bid request; `signal` aborts it at the auction's deadline. */
  async send(call: OutboundCall, signal: AbortSignal): Promise<TransportResult> {
    const cap = this.options.maxResponseBytes;
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: call.path ?? this.endpointPath,
        headers: call.headers,
        body: call.body,
        signal,
      });
      const { statusCode, headers, body } = response;
      let payload = Buffer.from(await body.arrayBuffer());
      if (String(headers['content-encoding'] ?? '').toLowerCase() === 'gzip' && payload.length > 0) {
        try {
          payload = await gunzipAsync(payload, { maxOutputLength: cap });
        } catch (error) {
          return { ok: false, aborted: false, reason: `bad gzip answer: ${(error as Error).message}` };
        }
      }
      return { ok: true, answer: { status: statusCode, headers, body: payload } };
    } catch (error) {
      if (signal.aborted) return { ok: false, aborted: true, reason: 'deadline passed' };
      if ((error as { code?: string }).code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return { ok: false, aborted: false, reason: `answer larger than ${cap} bytes` };
      return { ok: false, aborted: false, reason: (error as Error).message || String(error) };
    }
  }

  /** Closes the pool's connections (after the last auction). */
  close(): Promise<void> {
    return this.pool.close();
  }
}
