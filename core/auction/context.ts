import type { Logger } from 'pino';
import type { BidderConfig, SiteConfig } from '../config/schema.js';
import type { Micros } from '../money.js';
import type { BidRequest } from '../openrtb/types.js';
import type { Pricing } from '../pricing.js';

/** Where an auction came from: a publisher's JavaScript tag (`GET /ad`) or an OpenRTB caller. */
export type AuctionOrigin = 'tag' | 'openrtb';

/**
 * Who the browser behind a tag request is, as the `sync` stage read it from the exchange's cookie. The core
 * sends `userId` to every bidder as `user.id`; a `requestBuild` hook sends each bidder only its own `bound` data.
 */
export interface BrowserIdentity {
  /** The exchange's own stable, random id for this browser. */
  readonly userId: string;
  /** The data each bidder bound to this browser (R9), by bidder name. */
  readonly bound: Readonly<Record<string, string>>;
}

/**
 * What every hook of one auction may read. Built once per auction by the pipeline; hooks never mutate it.
 */
export interface AuctionContext {
  readonly auctionId: string;
  /** The canonical OpenRTB 2.6 request, before any bidder-specific change. */
  readonly request: BidRequest;
  readonly origin: AuctionOrigin;
  /** The configured site the request is for, when there is one. */
  readonly site?: { readonly id: string; readonly config: SiteConfig };
  /** The effective floor of each imp (max of site floor, MinCPM and `imp.bidfloor`), by imp id. */
  readonly floors: ReadonlyMap<string, Micros>;
  /** The exchange currency (ISO-4217). */
  readonly currency: string;
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number;
  /** The auction's single deadline, on the `performance.now()` clock. */
  readonly deadline: number;
  /** The auction log (tagged with the auction id). */
  readonly log: Logger;
  /** The browser's identity, for tag auctions whose `sync` stage identified it. */
  readonly identity?: BrowserIdentity;
  /**
   * Set when the page decides (an OpenRTB caller asking for `ext.prebid.targeting`, as Prebid.js does): every
   * bidder's best bid on each imp is offered at its own price, and the page's ad server picks the winner. The
   * exchange learns the winner only when its ad renders, so a win notice (`nurl`) is sent then, with the billing.
   */
  readonly pageDecides?: boolean;
}

/** What a per-bidder hook sees of its bidder. */
export interface BidderView {
  readonly name: string;
  readonly config: BidderConfig;
  readonly pricing: Pricing;
}

/** Context of the per-bidder stages (`requestBuild`, `bidValidate`, `admRewrite`). */
export interface BidderStageContext {
  readonly auction: AuctionContext;
  readonly bidder: BidderView;
}
