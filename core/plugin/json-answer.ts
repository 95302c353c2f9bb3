import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/json-depth.js';
import type { BidderAnswer, DecodedAnswer } from './dialect.js';

/** A JSON answer's body as an object, or what the answer already means without one. */
export type JsonAnswerReading = { readonly ok: true; readonly body: Record<string, unknown> } | { readonly ok: false; readonly decoded: DecodedAnswer };

/**
 * The HTTP-level reading every JSON dialect shares (OpenRTB §2.1, K4): 204 or an empty 200 is a no-bid,
 * 400 is our own malformed request, any other non-200 is an error, and a 200 body must be a JSON object nested no
 * deeper than {@link MAX_JSON_DEPTH}.
 */
export function readJsonAnswer(answer: BidderAnswer): JsonAnswerReading {
  const fail = (decoded: DecodedAnswer): JsonAnswerReading => ({ ok: false, decoded });
  if (answer.status === 204) return fail({ kind: 'nobid', reason: '204' });
  if (answer.status === 400) return fail({ kind: 'error', reason: 'bidder answered 400: it says our request is malformed', ourFault: true });
  if (answer.status !== 200) return fail({ kind: 'error', reason: `HTTP ${answer.status}` });
  if (answer.body.length === 0) return fail({ kind: 'nobid', reason: 'empty 200' });
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return fail({ kind: 'error', reason: 'answer is not JSON' });
  }
  if (nestsDeeperThan(body)) return fail({ kind: 'error', reason: `answer nested deeper than ${MAX_JSON_DEPTH}` });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail({ kind: 'error', reason: 'answer is not a JSON object' });
  return { ok: true, body: body as Record<string, unknown> };
}
