import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { BidderStageContext } from '../auction/context.js';
import type { DecodedBid } from '../auction/bids.js';
import type { BidderConfig, RtbConfig } from '../config/schema.js';
import type { BidRequest } from '../openrtb/types.js';
import type { DeclaresConfigKeys } from './config-keys.js';

/** What DI gives a bidder's strategies (dialect, pricing): the bidder's name, config and logger. */
export interface BidderScope {
  readonly name: string;
  readonly config: BidderConfig;
  readonly log: Logger;
  readonly exchange: RtbConfig;
}

/** One bid request as it goes on the wire. */
export interface OutboundCall {
  /** Path and query on the bidder's origin; defaults to the configured endpoint's. */
  readonly path?: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
}

/** A bidder's HTTP answer, body already gunzipped and within the size cap. */
export interface BidderAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A dialect's reading of an answer. */
export type DecodedAnswer =
  | { readonly kind: 'bids'; readonly bids: readonly DecodedBid[] }
  | { readonly kind: 'nobid'; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string; readonly ourFault?: boolean };

/**
 * A partner's wire format: encodes the canonical request into an HTTP call and decodes the answer into
 * canonical bids with prices in micros. One instance per bidder, built at start-up.
 */
export interface Dialect {
  encode(request: BidRequest, ctx: BidderStageContext): OutboundCall;
  decode(answer: BidderAnswer, request: BidRequest, ctx: BidderStageContext): DecodedAnswer;
}

/**
 * A dialect class; its constructor gets `@inject(Tokens.BidderScope)` and `@inject(Tokens.Pricing)`. A dialect
 * that prices in one unit only names it in a static `defaultPricing` (`rtb-host`: `'chips'`): a bidder with no
 * `pricing` of its own gets it. A static `configKeys` declares the bidder keys it reads (`bidder`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DialectClass = (new (...args: any[]) => Dialect) & DeclaresConfigKeys & { readonly defaultPricing?: string };

/** The pricing units a bidder gets when neither its config nor its dialect names any. */
export const DEFAULT_PRICING = 'decimal-cpm';
