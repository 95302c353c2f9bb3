import type { Award, CandidateBid } from '../auction/bids.js';
import type { AuctionContext } from '../auction/context.js';
import { auctionMacroValues, countMacros, expandMacros } from '../macros.js';
import { DecimalCpmPricing, type Pricing } from '../pricing.js';
import type { TrackerUrls } from './contract.js';
import { isHttpUrl } from './http-url.js';
import { MAX_TOKEN_CHARS, sealedTokenChars, TrackerTokenCodec, type SealedImpression, type TokenReading, type TrackerClaim } from './token-codec.js';
import { withFields } from '../with-fields.js';

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
 * An award's click destinations are listed in its impression token ({@link SignedTrackerUrls.clicks}) while they and
 * its `burl` stay within this many characters, so that the token stays within {@link MAX_SHARED_IMPRESSION_BYTES}.
 */
const MAX_LISTED_CHARS = 768;

/**
 * And while the listed destinations' characters, times the URLs that carry them all (the impression's and each
 * listed click's), stay within this many: the markup then grows by at most ~2.7 KB (base64), not with the square of
 * its links. Destinations past either bound are signed one by one.
 */
const MAX_LISTED_COPIES_CHARS = 2_048;

/**
 * An impression token's plaintext beside its strings: the JSON array's brackets, commas and quotes, its kind, and its
 * numbers (the auction's start, the clearing price, the expiry), with room to spare.
 */
const CLAIM_FRAME_BYTES = 96;
/** The most a numeric macro (a price, a ratio, a loss code, a time) expands to, in characters. */
const NUMERIC_MACRO_CHARS = 32;
/** The most the listed click destinations can add to an impression token's plaintext: UTF-8, JSON-quoted. */
const LISTED_CLICKS_BYTES = MAX_LISTED_CHARS * 3 + 64;

/**
 * The exchange's {@link TrackerUrls}: `PUBLIC_URL/t/imp?t=TOKEN` and `PUBLIC_URL/t/click?t=TOKEN` (`server.publicUrl`,
 * else the server's own address), each token an authenticated {@link TrackerClaim} that expires `ttlSeconds` after
 * the auction started. The impression token is AES-256-GCM sealed and carries the winner's `burl`, already expanded
 * in the bidder's units except `${AUCTION_IMP_TS}`, so billing needs nothing but the token (any node with the key
 * can bill). It is sealed once per award (every rewriter's impression URL for the award is the same), at its first
 * use, and each click token carries it ({@link TrackerTokenCodec.clickToken}): one encryption per winner, whatever
 * its number of links. When that first use is {@link SignedTrackerUrls.clicks}, the token lists those clicks'
 * destinations, and their click tokens are the token and an index, with no cryptography of their own; any other
 * click adds an HMAC over the token and its destination. Registered in the DI root under `Tokens.TrackerUrls`; the
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
    /**
     * Whether {@link clicks} lists destinations in the impression token (versions 4 and 5), and a page-decided offer's
     * token carries its `nurl`. False mints only the layouts exchanges from before both read (versions 1 and 3, no
     * `nurl`): the first step of a rolling upgrade (`trackers.listClicks`); such offers' win notices are then not sent.
     */
    private readonly listClicks = true,
  ) {
    this.codec = new TrackerTokenCodec(secret);
    this.base = publicUrl ?? 'http://localhost';
  }

  /** Told the server's local address once it listens: the base of tracker URLs when `server.publicUrl` is not set. */
  listeningAt(url: string): void {
    if (this.publicUrl === undefined) this.base = url.replace(/\/+$/, '');
  }

  /** The base URL of the exchange's own links (`server.publicUrl`, else the address the server listens on), no trailing `/`. */
  baseUrl(): string {
    return this.base;
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
    checkDestination(destination);
    return this.clickOf(auction, award, this.impressionOf(auction, award), destination);
  }

  /**
   * The click trackers of `award` for each of `destinations` (undefined: a click that is only recorded), as
   * {@link click} makes them. Before the award's first tracker URL, the destinations (as many as fit
   * {@link MAX_LISTED_CHARS} and {@link MAX_LISTED_COPIES_CHARS}) are listed in its impression token, which spares each
   * of their click tokens an HMAC.
   */
  clicks(auction: AuctionContext, award: Award, destinations: readonly (string | undefined)[]): string[] {
    destinations.forEach(checkDestination);
    const impression = this.impressionOf(auction, award, this.listClicks ? destinations : []);
    return destinations.map((destination) => this.clickOf(auction, award, impression, destination));
  }

  private clickOf(auction: AuctionContext, award: Award, impression: SealedImpression, destination: string | undefined): string {
    const token = impression.bytes.length <= MAX_SHARED_IMPRESSION_BYTES
      ? this.codec.clickToken(impression, destination)
      : this.codec.seal({ ...this.claim('click', auction, award), ...(destination === undefined ? {} : { destination }) });
    return `${this.base}${CLICK_TRACKER_PATH}?t=${token}`;
  }

  /** The award's impression token, sealed at its first use, listing `clicks` (as many as fit) when that use makes them. */
  private impressionOf(auction: AuctionContext, award: Award, clicks: readonly (string | undefined)[] = []): SealedImpression {
    const known = this.sealed.get(award);
    if (known?.auction === auction) return known.impression;
    const { bid, bidder } = award.candidate;
    const expand = (url: unknown) => typeof url === 'string' && url !== ''
      ? expandMacros(url, auctionMacroValues(auction, { award }, this.pricing.get(bidder) ?? FALLBACK_PRICING), { urlEncode: true, preserve: ['AUCTION_IMP_TS'] })
      : undefined;
    const burl = expand(bid.burl);
    const claim = this.claim('impression', auction, award, burl);
    // The page decides: the exchange learns the win when the ad renders, so the win notice travels with the billing
    // (a token field exchanges from before it cannot read: not with `listClicks` off, during a rolling upgrade).
    const nurl = auction.pageDecides && this.listClicks ? expand(bid.nurl) : undefined;
    const sealed = nurl === undefined ? claim : withFields(claim, { nurl });
    const impression = this.codec.sealImpression(sealed, listable(clicks, (burl?.length ?? 0) + (nurl?.length ?? 0)));
    this.sealed.set(award, { auction, impression });
    return impression;
  }

  /**
   * Whether `candidate`, should it win, gets an impression token short enough to be honoured ({@link MAX_TOKEN_CHARS}):
   * an upper bound of the token's length, from the auction id, the bid's ids, its bidder and its `burl` (and, when the
   * page decides, its `nurl`) with each macro counted at the widest value it could take. A bid for which this is false is refused before the auction:
   * served, it could never be billed.
   */
  billable(auction: AuctionContext, candidate: CandidateBid): boolean {
    const { bid, bidder, seat, currency } = candidate;
    const bidId = textOf(bid.id);
    const impId = textOf(bid.impid);
    // When the page decides, the `nurl` rides in the token too: the two are bounded as one URL as long as both.
    const nurl = auction.pageDecides && this.listClicks && typeof bid.nurl === 'string' ? bid.nurl : '';
    const burl = (typeof bid.burl === 'string' ? bid.burl : '') + nurl;
    if (fitsAtFirstSight(auction.auctionId, bidder, bidId, impId, textOf(bid.adid), seat ?? '', burl)) return true;
    let plain = CLAIM_FRAME_BYTES + jsonBytes(auction.auctionId) + jsonBytes(bidder) + jsonBytes(bidId) + jsonBytes(impId);
    let burlBytes = 0;
    if (burl !== '') {
      const macros = countMacros(burl);
      const widest = macros === 0 ? 0 : Math.max(NUMERIC_MACRO_CHARS, ...[auction.auctionId, bidId, impId, seat ?? '', textOf(bid.adid), currency].map(expandedChars));
      burlBytes = jsonBytes(burl) + macros * widest;
    }
    // The destinations listed beside the burl are bounded with it (see `listable`).
    plain += Math.max(burlBytes, LISTED_CLICKS_BYTES);
    return sealedTokenChars(plain) <= MAX_TOKEN_CHARS;
  }

  /** Reads a token from a tracker URL: its claim when authentic, of `kind` and not expired. */
  read(token: string, kind: TrackerClaim['kind'], now = Date.now()): TokenReading {
    return this.codec.open(token, kind, now);
  }

  /** The claim of `award`; `burl` as given (a literal rather than a spread copy: this runs once per winner). */
  private claim<K extends TrackerClaim['kind']>(kind: K, auction: AuctionContext, award: Award, burl?: string): TrackerClaim & { readonly kind: K } {
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
      burl,
    };
  }
}

/**
 * The cheap bound {@link SignedTrackerUrls.billable} tries first (a usual bid passes it in well under a µs): every
 * character at its widest (6 bytes JSON-escaped, 9 URL-encoded), every `$` or `%` of the `burl` as a macro.
 */
function fitsAtFirstSight(auctionId: string, bidder: string, bidId: string, impId: string, adId: string, seat: string, burl: string): boolean {
  let signs = 0;
  for (let i = 0; i < burl.length; i++) {
    const code = burl.charCodeAt(i);
    if (code === 36 || code === 37) signs++;
  }
  const longest = Math.max(auctionId.length, bidId.length, impId.length, adId.length, seat.length);
  const burlBytes = 6 * burl.length + signs * Math.max(NUMERIC_MACRO_CHARS, 9 * longest);
  const plain = CLAIM_FRAME_BYTES + 6 * (auctionId.length + bidder.length + bidId.length + impId.length) + Math.max(burlBytes, LISTED_CLICKS_BYTES);
  return sealedTokenChars(plain) <= MAX_TOKEN_CHARS;
}

/** A bid field as the claim writes it. */
function textOf(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** The bytes `text` takes in a token's JSON plaintext. */
function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}

/** The most characters a macro of value `text` expands to in a URL: URL-encoded, or base64url (`:B64`). */
function expandedChars(text: string): number {
  return Math.max(encodeURIComponent(text).length, Math.ceil((Buffer.byteLength(text, 'utf8') * 4) / 3));
}

/** Throws `TypeError` for a click destination that is not an absolute http(s) URL: only those are ever redirected to. */
function checkDestination(destination: string | undefined): void {
  if (destination !== undefined && !isHttpUrl(destination)) throw new TypeError(`click destination is not an absolute http(s) URL: ${destination.slice(0, 100)}`);
}

/**
 * The distinct `clicks` that fit, in order: within {@link MAX_LISTED_CHARS} with `burl` characters taken, and within
 * {@link MAX_LISTED_COPIES_CHARS}.
 */
function listable(clicks: readonly (string | undefined)[], burl: number): (string | undefined)[] {
  const listed: (string | undefined)[] = [];
  let chars = 0;
  for (const click of clicks) {
    if (listed.includes(click)) continue;
    const total = chars + (click?.length ?? 0);
    // The URLs that would carry the list: the impression's and the listed clicks', this one included.
    if (burl + total > MAX_LISTED_CHARS || (listed.length + 2) * total > MAX_LISTED_COPIES_CHARS) continue;
    chars = total;
    listed.push(click);
  }
  return listed;
}
