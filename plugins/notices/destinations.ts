import { isIP } from 'node:net';
import { Agent } from 'undici';
import { isPrivateAddress, publicOnlyLookup, type RtbConfig } from '../../core/index.js';
import { corkingConnector } from './corking-connector.js';
import type { NoticeRoute } from './delivery.js';
import type { Notice } from './notice.js';
import type { NoticesSettings } from './settings.js';

/** A notice's route, or why it may not be sent. */
export type RouteReading = ({ readonly ok: true } & NoticeRoute) | { readonly ok: false; readonly reason: string };

/**
 * Where notices may go (SSRF guard), and the connections they go over. A notice URL comes from a bid, so unless
 * `notices.allowPrivateNetworks` is set, a notice may reach a private, loopback or link-local address only on the
 * host of its bidder's own configured endpoint (a bidder inside the exchange's network notifies its own host). Any
 * other destination must be public: an IP literal is checked when the notice is accepted, a name when it is
 * connected to (through a dispatcher whose DNS answers exclude private addresses, so a later answer cannot swap
 * one in).
 *
 * Notices have their own connections, apart from the bid requests' (a burst of notices never holds up the next
 * auction's bid requests): per origin as few keep-alive connections as carry `concurrencyPerBidder` GETs with up
 * to `notices.pipelining` on each at once (HTTP/1.1 pipelining; 1 turns it off), and the GETs written in one event
 * loop turn leave in one system call ({@link corkingConnector}).
 */
export class NoticeDestinations {
  /** Each bidder's endpoint hostname: where its notices may go even when that is a private address. */
  private readonly trustedHosts: ReadonlyMap<string, string>;
  /** To any address: a bidder's own host, or everywhere when private networks are allowed. */
  private readonly open: Agent;
  /** To public addresses only (private networks not allowed). */
  private readonly publicOnly?: Agent;
  /** Each notice's route, read once: a notice is routed when accepted and again at each attempt. */
  private readonly routes = new WeakMap<Notice, RouteReading>();

  constructor(bidders: RtbConfig['bidders'], settings: Pick<NoticesSettings, 'concurrencyPerBidder' | 'pipelining' | 'allowPrivateNetworks'>) {
    this.trustedHosts = new Map(Object.entries(bidders).map(([name, bidder]) => [name, hostOf(bidder.endpoint.replace(/%%[A-Z_]+%%/g, 'x'))]));
    const { concurrencyPerBidder, pipelining, allowPrivateNetworks } = settings;
    // As few connections as carry a bidder's notices in flight: the fewer, the more GETs share each write and read.
    const connections = Math.ceil(concurrencyPerBidder / pipelining);
    const agent = (connect: ReturnType<typeof corkingConnector>) => new Agent({ connections, pipelining, keepAliveTimeout: 30_000, connect });
    this.open = agent(corkingConnector());
    if (!allowPrivateNetworks) this.publicOnly = agent(corkingConnector({ lookup: publicOnlyLookup }));
  }

  /**
   * How `notice` goes out: the dispatcher to send it through (the open one to its bidder's own host, or when
   * private networks are allowed; else the public-only one) with its URL's origin and path, or why it may not be
   * sent. One reading of its URL per notice.
   */
  route(notice: Notice): RouteReading {
    let reading = this.routes.get(notice);
    if (reading === undefined) {
      reading = this.read(notice);
      this.routes.set(notice, reading);
    }
    return reading;
  }

  private read(notice: Notice): RouteReading {
    let url: URL;
    try {
      url = new URL(notice.url);
    } catch {
      return { ok: false, reason: 'not an absolute http(s) URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'not an absolute http(s) URL' };
    const target = { origin: url.origin, path: `${url.pathname}${url.search}` };
    if (!this.publicOnly) return { ok: true, dispatcher: this.open, ...target };
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === this.trustedHosts.get(notice.bidder)) return { ok: true, dispatcher: this.open, ...target };
    if (isIP(host) && isPrivateAddress(host)) return { ok: false, reason: `private network address ${host} (notices.allowPrivateNetworks is off)` };
    return { ok: true, dispatcher: this.publicOnly, ...target };
  }

  /** Closes the notices' connections. */
  async close(): Promise<void> {
    await Promise.all([this.open.close(), this.publicOnly?.close()]);
  }
}

/** An endpoint's hostname without IPv6 brackets, lower-cased. */
function hostOf(endpoint: string): string {
  return new URL(endpoint).hostname.replace(/^\[|\]$/g, '').toLowerCase();
}
