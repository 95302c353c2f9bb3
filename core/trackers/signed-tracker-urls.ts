import type { Award } from '../auction/bids.js';
import type { AuctionContext } from '../auction/context.js';
import { auctionMacroValues, expandMacros } from '../macros.js';
import { DecimalCpmPricing, type Pricing } from '../pricing.js';
import type { TrackerUrls } from './contract.js';
import { isHttpUrl } from './http-url.js';
import { TrackerTokenCodec, type SealedImpression, type TokenReading, type TrackerClaim } from './token-codec.js';

export { isHttpUrl } from './http-url.js';

/** The path of the impression / render tracker endpoint. */
export const IMPRESSION_TRACKER_PATH = '/t/imp';
/** The path of the click tracker endpoint. */
export const CLICK_TRACKER_PATH = '/t/click';

const FALLBACK_PRICING = new DecimalCpmPricing();

/**
 * Above this many bytes (a long `burl`), an award's impression token is not carried inside its click tokens:
 * each click is then sealed on its own, so that click URLs stay short.
 */
const MAX_SHARED_IMPRESSION_BYTES = 1_024;

/**
 * The exchange's {@link TrackerUrls}: `PUBLIC_URL/t/imp?t=TOKEN` and `PUBLIC_URL/t/click?t=TOKEN` (`server.publicUrl`,
 * else the server's own address), each token an authenticated {@link TrackerClaim} that expires `ttlSeconds` after
 * the auction started. The impression token is AES-256-GCM sealed and carries the winner's `burl`, already expanded
 * in the bidder's units except `${AUCTION_IMP_TS}`, so billing needs nothing but the token (any node with the key
 * can bill). It is sealed once per award (every rewriter's impression URL for the award is the same), and each
 * click token carries it with the click's destination under an HMAC ({@link TrackerTokenCodec.clickToken}): one
 * encryption per winner, whatever its number of links. Registered in the DI root under `Tokens.TrackerUrls`; the
 * core's tracker endpoints read tokens back with {@link SignedTrackerUrls.read}.
 */
export class SignedTrackerUrls implements TrackerUrls {
  private readonly codec: TrackerTokenCodec;
  private base: string;
  /** Each award's sealed impression token, with the auction it was sealed for. */
  private readonly sealed = new WeakMap<Award, { readonly auction: AuctionContext; readonly impression: SealedImpression }>();

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
    return `${this.base}${IMPRESSION_TRACKER_PATH}?t=${this.impressionOf(auction, award).token}`;
  }

  /**
   * The click tracker of `award`, redirecting to `destination` (signed into the token). Throws `TypeError` when
   * `destination` is not an absolute http(s) URL: only those are ever redirected to.
   */
  click(auction: AuctionContext, award: Award, destination?: string): string {
    if (destination !== undefined && !isHttpUrl(destination)) throw new TypeError(`click destination is not an absolute http(s) URL: ${destination.slice(0, 100)}`);
    const impression = this.impressionOf(auction, award);
    const token = impression.bytes.length <= MAX_SHARED_IMPRESSION_BYTES
      ? this.codec.clickToken(impression, destination)
      : this.codec.seal({ ...this.claim('click', auction, award), ...(destination === undefined ? {} : { destination }) });
    return `${this.base}${CLICK_TRACKER_PATH}?t=${token}`;
  }

  /** The award's impression token, sealed at its first use. */
  private impressionOf(auction: AuctionContext, award: Award): SealedImpression {
    const known = this.sealed.get(award);
    if (known?.auction === auction) return known.impression;
    const { bid, bidder } = award.candidate;
    const burl = typeof bid.burl === 'string' && bid.burl !== ''
      ? expandMacros(bid.burl, auctionMacroValues(auction, { award }, this.pricing.get(bidder) ?? FALLBACK_PRICING), { urlEncode: true, preserve: ['AUCTION_IMP_TS'] })
      : undefined;
    const claim = this.claim('impression', auction, award);
    const impression = this.codec.sealImpression(burl === undefined ? claim : { ...claim, burl });
    this.sealed.set(award, { auction, impression });
    return impression;
  }

  /** Reads a token from a tracker URL: its claim when authentic, of `kind` and not expired. */
  read(token: string, kind: TrackerClaim['kind'], now = Date.now()): TokenReading {
    return this.codec.open(token, kind, now);
  }

  private claim<K extends TrackerClaim['kind']>(kind: K, auction: AuctionContext, award: Award): TrackerClaim & { readonly kind: K } {
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
