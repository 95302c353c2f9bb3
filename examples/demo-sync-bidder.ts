import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { crc32 } from 'node:zlib';
import pino from 'pino';
import { type MockBidder, type ReceivedRequest, startMockBidder } from '../core/testing/index.js';

/** A demo DSP that binds its own user ids through the exchange's sync endpoint. */
export interface DemoSyncBidderOptions {
  /** The bidder's name in the exchange config (used in its log lines and as its seat). */
  readonly name: string;
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** Decimal CPM bid on every imp. */
  readonly price: number;
  readonly delayMs?: number;
  /** Banner HTML of its ad. */
  readonly markup: string;
  /** The exchange's public sync endpoint, e.g. `http://localhost:8080/sync`. */
  readonly syncUrl: string;
  /** Its sync tag and signing key, as agreed with the exchange (`syncTag`, `syncKey` in the exchange config). */
  readonly tag: string;
  readonly key: string;
}

/** `short_ip` as a DSP computes it from the bid request: first three IPv4 octets, '' for IPv6. */
function shortIpOf(device: { ip?: string; ipv6?: string } | undefined): string {
  const ip = device?.ip ?? device?.ipv6?.replace(/^::ffff:/i, '') ?? '';
  return isIPv4(ip) ? ip.split('.').slice(0, 3).join('.') : '';
}

/** The `<img>` sync pixel that binds `data` to the browser the bid request describes (R10 signature). */
function syncPixel(options: DemoSyncBidderOptions, request: { device?: { ip?: string; ipv6?: string; ua?: string }; site?: { page?: string } }, data: string): { url: string; html: string } {
  // The browser will load the pixel from the page the tag was on, with the same User-Agent.
  const signed = shortIpOf(request.device) + (request.site?.page ?? '') + (request.device?.ua ?? '') + data + options.key;
  const url = `${options.syncUrl}?${new URLSearchParams({ tag: options.tag, data, sign: String(crc32(signed)) })}`;
  return { url, html: `<img src="${url.replace(/&/g, '&amp;')}" width="1" height="1" alt="" style="position:absolute">` };
}

/**
 * Starts a demo DSP on 127.0.0.1 that takes part in user sync (R9–R10): it logs the user ids of every bid
 * request it receives, and when a request carries no `user.buyeruid` (a browser it does not know yet) its ad
 * carries a signed sync pixel binding a fresh id of its own. From the browser's next ad request on, the
 * exchange sends that id back as `user.buyeruid`.
 */
export function startDemoSyncBidder(options: DemoSyncBidderOptions): Promise<MockBidder> {
  const log = pino({ base: { demoBidder: options.name }, timestamp: pino.stdTimeFunctions.isoTime });
  const respond = (received: ReceivedRequest) => {
    const request = received.json as { id: string; imp: Array<{ id: string; banner?: unknown }>; user?: { id?: string; buyeruid?: string } } & Parameters<typeof syncPixel>[1];
    // A banner DSP: it passes on the demo's native and video placements.
    const banners = request.imp.filter((imp) => imp.banner);
    if (banners.length === 0) return { status: 204 };
    const user = request.user ?? {};
    log.info({ userId: user.id, buyeruid: user.buyeruid }, user.buyeruid ? 'bid request for a user we know' : 'bid request for a new user');
    let adm = options.markup;
    if (!user.buyeruid) {
      const pixel = syncPixel(options, request, `uid-${randomBytes(8).toString('hex')}`);
      log.info({ syncUrl: pixel.url }, 'ad carries a sync pixel');
      adm += pixel.html;
    }
    const bid = banners.map((imp) => ({ id: `${imp.id}-1`, impid: imp.id, price: options.price, adm, crid: `${options.name}-creative`, adomain: ['example.com'], mtype: 1 }));
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: request.id, cur: 'USD', seatbid: [{ seat: options.name, bid }] }),
    };
  };
  return startMockBidder({ port: options.port, delayMs: options.delayMs, respond, record: false });
}
