import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config/schema.js';
import type { BidRequest, Device, Imp, Site } from '../openrtb/types.js';

/** What the publisher's tag request (`GET /ad`) tells about the page and the browser. */
export interface TagVisit {
  readonly siteId: string;
  readonly userAgent?: string;
  readonly ip?: string;
  readonly referer?: string;
  readonly language?: string;
  /** The exchange's id for this browser (from the `sync` stage), sent as `user.id`. */
  readonly userId?: string;
}

/** The single imp a configured site's placement offers. */
function placementImp(site: SiteConfig): Imp {
  if (site.banner) return { id: '1', banner: { w: site.banner.w, h: site.banner.h, format: [{ w: site.banner.w, h: site.banner.h }] } };
  if (site.video) return { id: '1', video: { ...site.video } };
  const request = site.native!.request;
  return { id: '1', native: { request: typeof request === 'string' ? request : JSON.stringify(request), ver: '1.2' } };
}

/**
 * Builds the canonical OpenRTB 2.6 request for a tag request (R1): one imp from the site's placement, the
 * page from the Referer, the browser from User-Agent and the client address, the exchange's user id when the
 * browser was identified. Floors are set by the pipeline.
 */
export function buildTagRequest(site: SiteConfig, visit: TagVisit): BidRequest {
  let domain = site.domain;
  if (!domain && visit.referer) {
    try {
      domain = new URL(visit.referer).hostname;
    } catch {
      domain = undefined;
    }
  }
  // A dual-stack socket reports IPv4 clients as IPv4-mapped IPv6 (`::ffff:a.b.c.d`): they are IPv4 clients.
  const ip = visit.ip?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  // Field by field rather than spreads of optional parts: this runs once per tag auction, and such spreads are slow.
  const page: Site = { id: visit.siteId, page: visit.referer ?? site.page };
  if (domain) page.domain = domain;
  const device: Device = {};
  if (visit.userAgent) device.ua = visit.userAgent;
  if (ip) {
    if (ip.includes(':')) device.ipv6 = ip;
    else device.ip = ip;
  }
  if (visit.language) device.language = visit.language;
  return { id: randomUUID(), imp: [placementImp(site)], site: page, device, user: visit.userId ? { id: visit.userId } : {} };
}
