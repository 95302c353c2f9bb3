import type { BidRequest } from './types.js';

/**
 * The JSON text of a request, computed once per request object: when no `requestBuild` hook changed the
 * canonical request for a bidder, every JSON bidder sends the same object and the exchange serializes it
 * once per auction instead of once per bidder. Keyed weakly, so it holds nothing past the auction.
 */
const texts = new WeakMap<BidRequest, string>();

/** `JSON.stringify(request)`, shared by every bidder that sends this very object. */
export function requestJson(request: BidRequest): string {
  let text = texts.get(request);
  if (text === undefined) {
    text = JSON.stringify(request);
    texts.set(request, text);
  }
  return text;
}
