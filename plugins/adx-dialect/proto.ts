import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Protobuf from 'protobufjs';

// The AdX wire contract, loaded once from `doubleclick.proto` beside this file (Google's protocol v.50) with
// Google's field names kept as written (`html_snippet`, `max_cpm_micros`). Every `DEPRECATED_` field is
// removed from the message types before use, so the dialect cannot send one (G6) and ignores one it receives.

/** Where the AdX wire contract (Google's `doubleclick.proto`, v.50) lives: beside this file. */
export const ADX_PROTO_PATH = new URL('./doubleclick.proto', import.meta.url);

/** The decoded form of 64-bit fields: decimal strings (exact beyond 2^53). */
export type Int64 = string;

/** `BidRequest.AdSlot.MatchingAdData` as the dialect writes it. */
export interface AdxMatchingAdData {
  adgroup_id?: Int64;
  minimum_cpm_micros?: Int64;
}

/** `BidRequest.AdSlot` as the dialect writes it. */
export interface AdxRequestSlot {
  id: number;
  width: number[];
  height: number[];
  excluded_attribute: number[];
  allowed_vendor_type: number[];
  excluded_sensitive_category: number[];
  matching_ad_data: AdxMatchingAdData[];
}

/** `BidRequest`, the fields the dialect writes. */
export interface AdxBidRequest {
  id: Buffer;
  ip?: Buffer;
  google_user_id?: string;
  cookie_version?: number;
  hosted_match_data?: Buffer;
  user_agent?: string;
  url?: string;
  detected_language?: string[];
  adslot: AdxRequestSlot[];
  is_test?: boolean;
}

/** `BidResponse.Ad.AdSlot`: one bid of an ad on one slot. */
export interface AdxBidSlot {
  id: number;
  max_cpm_micros: Int64;
  min_cpm_micros?: Int64;
  adgroup_id?: Int64;
  deal_id?: Int64;
}

/** `BidResponse.Ad`, decoded (repeated fields always present). */
export interface AdxAd {
  buyer_creative_id?: string;
  html_snippet?: string;
  video_url?: string;
  snippet_template?: string;
  click_through_url: string[];
  vendor_type: number[];
  attribute: number[];
  category: number[];
  restricted_category: number[];
  advertiser_name: string[];
  width?: number;
  height?: number;
  adslot: AdxBidSlot[];
}

/** `BidResponse`, decoded. */
export interface AdxBidResponse {
  ad: AdxAd[];
  debug_string?: string;
  processing_time_ms?: number;
}

function loadAdxTypes() {
  // protobufjs is loaded here, not imported: an exchange without an AdX bidder does not carry it (about 5 MB of RSS).
  const protobuf = createRequire(import.meta.url)('protobufjs') as typeof Protobuf;
  const { root } = protobuf.parse(readFileSync(ADX_PROTO_PATH, 'utf8'), { keepCase: true });
  const dropDeprecated = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) {
        for (const field of nested.fieldsArray) if (field.name.startsWith('DEPRECATED_')) nested.remove(field);
      }
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) dropDeprecated(nested);
    }
  };
  dropDeprecated(root);
  root.resolveAll();
  return {
    BidRequest: root.lookupType('com.google.doubleclick.BidRequest'),
    BidResponse: root.lookupType('com.google.doubleclick.BidResponse'),
  };
}

let loaded: ReturnType<typeof loadAdxTypes> | undefined;

/**
 * Google's message types, parsed from the `.proto` on first use: an exchange without an AdX bidder never parses it
 * (the AdX dialect asks for them when a bidder is set up, so a missing or broken file still stops the start).
 */
export function adxTypes(): ReturnType<typeof loadAdxTypes> {
  loaded ??= loadAdxTypes();
  return loaded;
}

/** Serializes a BidRequest with Google's field numbers. */
export function encodeAdxBidRequest(request: AdxBidRequest): Buffer {
  const { BidRequest } = adxTypes();
  const message = BidRequest.fromObject(request as unknown as Record<string, unknown>);
  return Buffer.from(BidRequest.encode(message).finish());
}

/** Parses a BidResponse; throws when the bytes are not one (bad wire format, a required field missing). */
export function decodeAdxBidResponse(bytes: Buffer): AdxBidResponse {
  const { BidResponse } = adxTypes();
  const message = BidResponse.decode(bytes);
  return BidResponse.toObject(message, { longs: String, arrays: true, defaults: false }) as AdxBidResponse;
}

/** Field names of a message type, after deprecated fields were dropped (for tests and docs). */
export function adxFieldNames(message: 'BidRequest' | 'BidResponse'): string[] {
  return adxTypes()[message].fieldsArray.map((field) => field.name);
}
