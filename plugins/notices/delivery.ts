import type { Dispatcher } from 'undici';
import type { Cancellation } from '../../core/index.js';
import type { AttemptDeadlines } from './attempt-deadlines.js';
import type { Notice } from './notice.js';

/** How one delivery attempt ended: a 2xx answer, or why not. */
export type AttemptResult =
  | { readonly ok: true; readonly status: number }
  /** `final`: no later attempt can do better (the destination is refused), so the notice is given up at once. */
  | { readonly ok: false; readonly reason: string; readonly final?: boolean };

/** The `user-agent` of every notice the exchange sends. */
export const NOTICE_USER_AGENT = 'rtb-exchange-notices/1';

/** Where and through what a notice goes: its URL read once (origin, path and query), and the dispatcher to use. */
export interface NoticeRoute {
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  /** Path and query. */
  readonly path: string;
}

/** The route of an absolute URL through `dispatcher`, with no destination policy (tests, benchmarks); throws on a non-URL. */
export function routeThrough(dispatcher: Dispatcher, url: string): NoticeRoute {
  const target = new URL(url);
  return { dispatcher, origin: target.origin, path: `${target.pathname}${target.search}` };
}

/** Answer bytes read (and dropped) before the connection is cut: a notice answer carries nothing we need. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One attempt to deliver a notice: `GET` its URL as `route` read it, over the route's dispatcher, within the time
 * limit that `deadlines` keeps for every attempt in flight with one timer (undici's own header and body timeouts
 * would arm two per request). Only a 2xx answer counts as delivered; any other status, a network error or the
 * time limit is a failure for the queue to retry (implementation guide §7.8: anything but 200/204 deserves a
 * retry). `cancellation` aborts it (shutdown). Never throws.
 *
 * It speaks undici's low-level `dispatch` API with a handler that drops the answer's body: a notice is the
 * hot path of every auction, and `request()` would build a body stream per answer only to discard it.
 */
export function attemptDelivery(route: NoticeRoute, notice: Notice, deadlines: AttemptDeadlines, cancellation?: Cancellation): Promise<AttemptResult> {
  return new Promise((resolve) => {
    if (cancellation?.cancelled) {
      resolve({ ok: false, reason: 'aborted: shutting down' });
      return;
    }
    let status = 0;
    let bytes = 0;
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      cancellation?.untrack(controller);
      deadlines.untrack(controller);
      resolve(result);
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        deadlines.track(started);
        cancellation?.track(started);
      },
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData(current, chunk) {
        bytes += chunk.length;
        if (bytes > MAX_ANSWER_BYTES) {
          // The status is known; the rest of a long answer is not worth a connection.
          settle(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, reason: `HTTP ${status}` });
          current.abort(new Error('notice answer too long'));
        }
      },
      onResponseEnd() {
        settle(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, reason: `HTTP ${status}` });
      },
      onResponseError(_controller, error) {
        const err = error as Error & { code?: string };
        // A name that resolves to private addresses only (the SSRF guard) will on every attempt.
        const reason = err.code ? `${err.code}: ${err.message}` : err.message;
        settle(err.code === 'ENOTPUBLIC' ? { ok: false, reason, final: true } : { ok: false, reason });
      },
    };
    try {
      route.dispatcher.dispatch({
        origin: route.origin,
        path: route.path,
        method: 'GET',
        headers: notice.headers ? { 'user-agent': NOTICE_USER_AGENT, ...notice.headers } : { 'user-agent': NOTICE_USER_AGENT },
        // A notice's answer is quick and small: it may share a connection with the GETs after it (pipelining).
        blocking: false,
        // 0: no undici timer (the deadlines keep the limit).
        headersTimeout: 0,
        bodyTimeout: 0,
      }, handler);
    } catch (error) {
      settle({ ok: false, reason: (error as Error).message });
    }
  });
}
