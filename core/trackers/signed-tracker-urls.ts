import type { Award } from '../auction/bids.js';
import type { AuctionContext } from '../auction/context.js';
import { auctionMacroValues, expandMacros } from '../macros.js';
import { DecimalCpmPricing, type Pricing } from '../pricing.js';
import type { TrackerUrls } from './contract.js';
import { TrackerTokenCodec, type TokenReading, type TrackerClaim } from './token-codec.js';

/** The path of the impression / render tracker endpoint. */
export const IMPRESSION_TRACKER_PATH = '/t/imp';
/** The path of the click tracker endpoint. */
export const CLICK_TRACKER_PATH = '/t/click';

const FALLBACK_PRICING = new DecimalCpmPricing();

/**
 * The exchange's {@link TrackerUrls}: `PUBLIC_URL/t/imp?t=TOKEN` and `PUBLIC_URL/t/click?t=TOKEN` (`server.publicUrl`,
 * else the server's own address), each token an
 * AES-256-GCM sealed {@link TrackerClaim} that expires `ttlSeconds` after the auction started. The impression
 * token carries the winner's `burl`, already expanded in the bidder's units except `${AUCTION_IMP_TS}`, so
 * billing needs nothing but the token (any node with the key can bill). Registered in the DI root under
 * `Tokens.TrackerUrls`; the core's tracker endpoints read tokens back with {@link SignedTrackerUrls.read}.
 */
export class SignedTrackerUrls implements TrackerUrls {
  private readonly codec: TrackerTokenCodec;
  private base: string;

  constructor(
    secret: string,
    /** `server.publicUrl`, or undefined to use the address the server listens on (see {@link listeningAt}). */
    private readonly publicUrl: string | undefined,
    private readonly ttlSeconds: number,
    /** Bidder name → its pricing (filled once bidders are resolved). */
    private readonly pricing: ReadonlyMap<string, Pricing>,
  ) {
    this.codec = new TrackerTokenCodec(secret);
    this.base = publicUrl ?? 'http://localhost';
  }

  /** Told the server's local address once it listens: the base of tracker URLs when `server.publicUrl` is not set. */
  listeningAt(url: string): void {
    if (this.publicUrl === undefined) this.base = url.replace(/\/+$/, '');
  }

  /** The impression tracker of `award`; its token carries the winner's `burl`, expanded but for `${AUCTION_IMP_TS}`. */
  impression(auction: AuctionContext, award: Award): string {
    const { bid, bidder } = award.candidate;
    const burl = typeof bid.burl === 'string' && bid.burl !== ''
      ? expandMacros(bid.burl, auctionMacroValues(auction, { award }, this.pricing.get(bidder) ?? FALLBACK_PRICING), { urlEncode: true, preserve: ['AUCTION_IMP_TS'] })
      : undefined;
    return `${this.base}${IMPRESSION_TRACKER_PATH}?t=${this.codec.seal({ ...this.claim('impression', auction, award), ...(burl === undefined ? {} : { burl }) })}`;
  }

  /**
   * The click tracker of `award`, redirecting to `destination` (signed into the token). Throws `TypeError` when
   * `destination` is not an absolute http(s) URL: only those are ever redirected to.
   */
  click(auction: AuctionContext, award: Award, destination?: string): string {
    if (destination !== undefined && !isHttpUrl(destination)) throw new TypeError(`click destination is not an absolute http(s) URL: ${destination.slice(0, 100)}`);
    return `${this.base}${CLICK_TRACKER_PATH}?t=${this.codec.seal({ ...this.claim('click', auction, award), ...(destination === undefined ? {} : { destination }) })}`;
  }

  /** Reads a token from a tracker URL: its claim when authentic, of `kind` and not expired. */
  read(token: string, kind: TrackerClaim['kind'], now = Date.now()): TokenReading {
    return this.codec.open(token, kind, now);
  }

  private claim(kind: TrackerClaim['kind'], auction: AuctionContext, award: Award): TrackerClaim {
    const { bid, bidder } = award.candidate;
    return {
      kind,
      auctionId: auction.auctionId,
      auctionStartedAt: auction.startedAt,
      bidder,
      bidId: String(bid.id ?? ''),
      impId: String(bid.impid ?? ''),
      clearingMicros: award.clearingMicros,
      // From the auction's start, so that every token of one award expires together.
      expiresAt: (Math.floor(auction.startedAt / 1000) + this.ttlSeconds) * 1000,
    };
  }
}

/** Whether `text` is an absolute http(s) URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
