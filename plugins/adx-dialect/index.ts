import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { inject, injectable } from 'tsyringe';
import {
  type Bid, type BidderAnswer, type BidderScope, type BidRequest, type ConfigKeys, type DecodedAnswer,
  type DecodedBid, type Device, type Dialect, endpointPathOf, floorToMicros, hasMarkup, type Imp, LossReason,
  type LossReasonCode, MarkupType, type Micros, type OutboundCall, Tokens,
} from '../../core/index.js';
import { parsePriceKeys } from './crypto.js';
import { adxTypes, decodeAdxBidResponse, encodeAdxBidRequest, type AdxAd, type AdxBidRequest, type AdxBidSlot, type Int64 } from './proto.js';
import { ADX_BIDDER_KEYS, readAdxSettings, type AdxSettings } from './settings.js';
import { ADX_WINNING_PRICE_PLUGIN } from './winning-price.js';

export * from './crypto.js';
export { parseDictionary, loadDictionary, type AdxDictionary } from './dictionaries.js';
export { ADX_PROTO_PATH, adxFieldNames, decodeAdxBidResponse, encodeAdxBidRequest } from './proto.js';
export type { AdxAd, AdxBidRequest, AdxBidResponse, AdxBidSlot, AdxRequestSlot, Int64 } from './proto.js';
export { readAdxSettings, type AdxSettings } from './settings.js';
export { AdxWinningPrice, ADX_WINNING_PRICE_PLUGIN } from './winning-price.js';

/** The bidder URL macro replaced per request with the request's `google_user_id` (G5). */
export const GOOGLE_USER_ID_MACRO = '%%GOOGLE_USER_ID%%';

/** One ad slot of an AdX request: the banner imp it stands for, its sizes and its minimum CPM. */
export interface AdxSlotPlan {
  /** `AdSlot.id`: the imp's position in the request, from 1. */
  readonly slotId: number;
  readonly imp: Imp;
  readonly sizes: ReadonlyArray<readonly [number, number]>;
  /** `minimum_cpm_micros` of every `matching_ad_data`: the imp's floor. */
  readonly minimumCpmMicros: Micros;
}

/**
 * The 16-byte `BidRequest.id` for a canonical request id: a UUID's own 16 bytes, else the MD5 digest of the
 * id (16 bytes, stable for the same id).
 */
export function adxRequestId(id: string): Buffer {
  if (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(id)) return Buffer.from(id.replace(/-/g, ''), 'hex');
  return createHash('md5').update(id, 'utf8').digest();
}

function ipv6Bytes(address: string): Buffer {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/**
 * `BidRequest.ip`: the first 3 bytes of an IPv4 address (IPv4-mapped IPv6 counts as IPv4), the first 6 of an
 * IPv6 address, as Google truncates them; undefined when the device has no usable address.
 */
export function truncatedIp(device: Device | undefined): Buffer | undefined {
  const address = device?.ip ?? device?.ipv6;
  if (typeof address !== 'string') return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const v4 = mapped ? mapped[1] : address;
  if (isIPv4(v4)) return Buffer.from(v4.split('.').slice(0, 3).map(Number));
  if (isIPv6(address)) return ipv6Bytes(address).subarray(0, 6);
  return undefined;
}

/** Replaces `%%GOOGLE_USER_ID%%` in the configured path with the URL-encoded id (empty when unknown), G5. */
export function expandGoogleUserId(path: string, googleUserId: string | undefined): string {
  return path.replaceAll(GOOGLE_USER_ID_MACRO, encodeURIComponent(googleUserId ?? ''));
}

/** The sizes a banner imp allows: its `format` list, else its `w`×`h`, without repeats. */
function bannerSizes(imp: Imp): Array<readonly [number, number]> {
  const sizes: Array<readonly [number, number]> = [];
  const add = (w: unknown, h: unknown) => {
    if (Number.isSafeInteger(w) && Number.isSafeInteger(h) && !sizes.some(([sw, sh]) => sw === w && sh === h)) sizes.push([w as number, h as number]);
  };
  for (const format of imp.banner?.format ?? []) add(format.w, format.h);
  if (sizes.length === 0) add(imp.banner?.w, imp.banner?.h);
  return sizes;
}

/** The ad slots an AdX bidder is offered: one per banner imp (AdX slots here are display only), in request order. */
export function planAdSlots(request: BidRequest): AdxSlotPlan[] {
  return request.imp.flatMap((imp, index) =>
    imp.banner ? [{ slotId: index + 1, imp, sizes: bannerSizes(imp), minimumCpmMicros: floorToMicros(imp.bidfloor) }] : []);
}

/** The AdX BidRequest for a canonical request (the mapping the README documents). */
export function toAdxBidRequest(request: BidRequest, slots: readonly AdxSlotPlan[], settings: AdxSettings): AdxBidRequest {
  const userId = request.user?.id;
  const buyerUid = request.user?.buyeruid;
  const ip = truncatedIp(request.device);
  const language = request.device?.language;
  // Field by field rather than spreads of optional parts (slow on Node 20): this runs for every AdX request.
  const message: AdxBidRequest = {
    id: adxRequestId(request.id),
    adslot: slots.map((slot) => ({
      id: slot.slotId,
      width: slot.sizes.map(([w]) => w),
      height: slot.sizes.map(([, h]) => h),
      excluded_attribute: [...settings.excludedAttributes],
      allowed_vendor_type: [...settings.allowedVendorTypes],
      excluded_sensitive_category: [...settings.excludedSensitiveCategories],
      matching_ad_data: settings.adgroups.length
        ? settings.adgroups.map((adgroup) => ({ adgroup_id: adgroup, minimum_cpm_micros: String(slot.minimumCpmMicros) }))
        : [{ minimum_cpm_micros: String(slot.minimumCpmMicros) }],
    })),
  };
  if (ip) message.ip = ip;
  if (userId) {
    message.google_user_id = userId;
    message.cookie_version = 1;
  }
  if (buyerUid) message.hosted_match_data = Buffer.from(buyerUid, 'utf8');
  if (request.device?.ua) message.user_agent = request.device.ua;
  if (request.site?.page) message.url = request.site.page;
  if (language) message.detected_language = [language];
  if (request.test === 1) message.is_test = true;
  return message;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `adx` dialect (G1–G7): Google Ad Exchange's binary protobuf protocol (v.50 `doubleclick.proto` beside this
 * file), `Content-Type: application/octet-stream` both ways. One `adslot` per banner imp, with the AdX
 * concepts the canonical request lacks (adgroups, exclusions, allowed vendors) from `bidders.NAME.adx`;
 * `%%GOOGLE_USER_ID%%` in the endpoint path is the request's `user.id`. Answers: `ad.html_snippet` is the
 * markup, `ad.adslot[].max_cpm_micros` the price (already micros); each bid is checked against its slot
 * (slot id, adgroup rule G3, minimum CPM, exclusions and vendors G4). Only `processing_time_ms` is a no-bid.
 */
@injectable()
export class AdxDialect implements Dialect {
  /** Its bidders' `adx` (adgroups, exclusions), `dictionaries` (files) and `priceEncryption` keys, read and checked here. */
  static readonly configKeys: ConfigKeys = ADX_BIDDER_KEYS;

  private readonly settings: AdxSettings;
  private readonly pathTemplate: string;
  private readonly headers = { 'content-type': 'application/octet-stream' } as const;

  constructor(@inject(Tokens.BidderScope) private readonly scope: BidderScope) {
    this.settings = readAdxSettings(scope.name, scope.config);
    if (scope.config.priceEncryption !== undefined) {
      parsePriceKeys(scope.name, scope.config.priceEncryption);
      if (!scope.exchange.plugins.some((entry) => entry.name === ADX_WINNING_PRICE_PLUGIN)) {
        scope.log.warn(`priceEncryption is set but plugin "${ADX_WINNING_PRICE_PLUGIN}" is not listed: %%WINNING_PRICE%% will not be substituted`);
      }
    }
    this.pathTemplate = endpointPathOf(scope.config.endpoint);
    // Google's .proto is parsed now, at start-up: a missing or broken file stops the start, not the first auction.
    adxTypes();
  }

  /** The protobuf BidRequest, POSTed to the endpoint path with `%%GOOGLE_USER_ID%%` expanded. */
  encode(request: BidRequest): OutboundCall {
    const slots = planAdSlots(request);
    if (slots.length === 0) throw new Error('the adx dialect offers banner imps only, and this request has none');
    return {
      path: expandGoogleUserId(this.pathTemplate, request.user?.id),
      headers: this.headers,
      body: encodeAdxBidRequest(toAdxBidRequest(request, slots, this.settings)),
    };
  }

  /** Reads a BidResponse: one canonical bid per `ad.adslot` entry; no ad at all is a no-bid. */
  decode(answer: BidderAnswer, request: BidRequest): DecodedAnswer {
    if (answer.status === 204) return { kind: 'nobid', reason: '204' };
    if (answer.status === 400) return { kind: 'error', reason: 'bidder answered 400: it says our request is malformed', ourFault: true };
    if (answer.status !== 200) return { kind: 'error', reason: `HTTP ${answer.status}` };
    let response;
    try {
      response = decodeAdxBidResponse(answer.body);
    } catch (error) {
      return { kind: 'error', reason: `answer is not a BidResponse: ${(error as Error).message}` };
    }
    if (response.ad.length === 0) return { kind: 'nobid', reason: 'no ad (processing_time_ms only)' };
    const slots = new Map(planAdSlots(request).map((slot) => [slot.slotId, slot]));
    const bids = response.ad.flatMap((ad, adIndex) => ad.adslot.map((slotBid) => this.decodeSlotBid(ad, adIndex, slotBid, slots.get(slotBid.id))));
    return bids.length ? { kind: 'bids', bids } : { kind: 'nobid', reason: 'no ad names an adslot' };
  }

  /** One ad on one slot as a canonical bid, with the first rule it breaks as `invalid`. */
  private decodeSlotBid(ad: AdxAd, adIndex: number, slotBid: AdxBidSlot, slot: AdxSlotPlan | undefined): DecodedBid {
    const maxMicros = Number(slotBid.max_cpm_micros);
    const priceMicros = Number.isSafeInteger(maxMicros) && maxMicros >= 0 ? maxMicros : null;
    const adomain = [...new Set(ad.click_through_url.map(hostOf).filter((host): host is string => host !== undefined))];
    // Field by field rather than spreads of optional parts (slow on Node 20): this runs for every AdX bid.
    const adx: Record<string, unknown> = { max_cpm_micros: slotBid.max_cpm_micros };
    if (slotBid.min_cpm_micros !== undefined) adx.min_cpm_micros = slotBid.min_cpm_micros;
    if (slotBid.adgroup_id !== undefined) adx.adgroup_id = slotBid.adgroup_id;
    if (slotBid.deal_id !== undefined) adx.deal_id = slotBid.deal_id;
    adx.click_through_url = ad.click_through_url;
    adx.vendor_type = ad.vendor_type;
    adx.attribute = ad.attribute;
    adx.category = ad.category;
    const bid: Bid = { id: `${adIndex}-${slotBid.id}`, impid: slot?.imp.id ?? `adslot-${slotBid.id}`, price: maxMicros, mtype: MarkupType.banner };
    if (ad.html_snippet !== undefined) bid.adm = ad.html_snippet;
    if (ad.buyer_creative_id !== undefined) bid.crid = ad.buyer_creative_id;
    if (ad.width !== undefined) bid.w = ad.width;
    if (ad.height !== undefined) bid.h = ad.height;
    if (adomain.length) bid.adomain = adomain;
    bid.ext = { adx };
    const currency = this.scope.exchange.currency;
    const problem = this.checkSlotBid(ad, slotBid, slot, priceMicros);
    return problem ? { bid, priceMicros, currency, admFormat: 'html', invalid: problem } : { bid, priceMicros, currency, admFormat: 'html' };
  }

  /** The AdX rules a bid must keep, in order; the first broken one with its OpenRTB loss reason. */
  private checkSlotBid(ad: AdxAd, slotBid: AdxBidSlot, slot: AdxSlotPlan | undefined, priceMicros: Micros | null): { code: LossReasonCode; reason: string } | undefined {
    const { adgroups, excludedAttributes, excludedSensitiveCategories, allowedVendorTypes } = this.settings;
    if (!slot) return { code: LossReason.invalidBidResponse, reason: `adslot ${slotBid.id} was not in the request` };
    if (priceMicros === null) return { code: LossReason.invalidBidResponse, reason: `max_cpm_micros ${slotBid.max_cpm_micros} is out of range` };
    if (!hasMarkup(ad.html_snippet)) {
      return ad.video_url !== undefined || ad.snippet_template !== undefined
        ? { code: LossReason.incorrectCreativeFormat, reason: 'only html_snippet ads are supported' }
        : { code: LossReason.missingMarkup, reason: 'no html_snippet' };
    }
    const offered: readonly Int64[] = adgroups;
    if (slotBid.adgroup_id === undefined && offered.length > 1) {
      return { code: LossReason.invalidBidResponse, reason: `adgroup_id required: slot ${slot.slotId} had ${offered.length} matching_ad_data` };
    }
    if (slotBid.adgroup_id !== undefined && !offered.includes(slotBid.adgroup_id)) {
      return { code: LossReason.invalidBidResponse, reason: `adgroup_id ${slotBid.adgroup_id} is not one of slot ${slot.slotId}'s matching_ad_data` };
    }
    if (slotBid.min_cpm_micros !== undefined && BigInt(slotBid.min_cpm_micros) > BigInt(slotBid.max_cpm_micros)) {
      return { code: LossReason.invalidBidResponse, reason: 'min_cpm_micros is above max_cpm_micros' };
    }
    if (priceMicros < slot.minimumCpmMicros) {
      return { code: LossReason.belowFloor, reason: `max_cpm_micros ${priceMicros} is below minimum_cpm_micros ${slot.minimumCpmMicros}` };
    }
    if (ad.click_through_url.length === 0) return { code: LossReason.invalidBidResponse, reason: 'no click_through_url declared' };
    const attribute = ad.attribute.find((id) => excludedAttributes.includes(id));
    if (attribute !== undefined) return { code: LossReason.creativeAttributeExclusions, reason: `attribute ${attribute} is excluded` };
    const category = ad.category.find((id) => excludedSensitiveCategories.includes(id));
    if (category !== undefined) return { code: LossReason.categoryExclusions, reason: `category ${category} is excluded` };
    const vendor = ad.vendor_type.find((id) => !allowedVendorTypes.includes(id));
    if (vendor !== undefined) return { code: LossReason.creativeFiltered, reason: `vendor_type ${vendor} is not allowed` };
    return undefined;
  }
}
