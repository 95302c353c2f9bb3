import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Micros } from '../money.js';
import { isHttpUrl } from './http-url.js';

/**
 * What an exchange tracker token says about one won impression. It is everything the tracker endpoints and
 * the `notices` plugin need to record an impression or click and to bill, so that any node holding the key can
 * serve a hit without shared state: the token is stateless.
 */
export interface TrackerClaim {
  /** Which endpoint the token is for: an impression token is no click token, and the other way round. */
  readonly kind: 'impression' | 'click';
  readonly auctionId: string;
  /** The auction's wall-clock start, ms: with `auctionId` it names the auction even when callers reuse request ids. */
  readonly auctionStartedAt: number;
  readonly bidder: string;
  readonly bidId: string;
  readonly impId: string;
  /** What the winner pays, exchange micros. Encrypted: the browser never learns it (T4). */
  readonly clearingMicros: Micros;
  /** When the token stops being accepted, ms since the epoch (whole seconds). */
  readonly expiresAt: number;
  /** Impression tokens: the winner's `burl` with every macro expanded but `${AUCTION_IMP_TS}`; absent without `burl`. */
  readonly burl?: string;
  /** Click tokens: where the click redirects (absolute http(s) URL), when known. */
  readonly destination?: string;
}

/** Why a token was refused. `forged` covers altered tokens and tokens sealed with another key. */
export type TokenRefusal = 'malformed' | 'forged' | 'expired' | 'wrong-kind';

/** A token read back: its claim, or why it was refused. */
export type TokenReading = { readonly ok: true; readonly claim: TrackerClaim } | { readonly ok: false; readonly reason: TokenRefusal };

/** A sealed claim: AES-256-GCM. */
const VERSION = 1;
/** A click token made of an award's sealed impression token, a destination and an HMAC ({@link TrackerTokenCodec.clickToken}); 2 was never issued. */
const CLICK_VERSION = 3;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The click token's HMAC-SHA256, truncated (RFC 2104 §5): 128 bits. */
const MAC_BYTES = 16;
/** The smallest sealed token: version, IV, one byte of ciphertext, tag. */
const MIN_SEALED_BYTES = 1 + IV_BYTES + 1 + TAG_BYTES;
/** Longer tokens are refused before any crypto: a tracker URL is never that long. */
const MAX_TOKEN_CHARS = 8_192;
const KIND_CODE = { impression: 'i', click: 'c' } as const;

/**
 * An impression token sealed once per award, kept so that the award's click tokens can carry it
 * ({@link TrackerTokenCodec.clickToken}) instead of each sealing the same claim again.
 */
export interface SealedImpression {
  /** The token, base64url. */
  readonly token: string;
  /** The same token as bytes. */
  readonly bytes: Buffer;
}

/**
 * Seals {@link TrackerClaim}s into URL-safe tokens, and opens them again. Two layouts, base64url:
 * - sealed (version 1), every impression token: `1 ‖ iv (12: 8 random bytes ‖ a 32-bit counter) ‖ ciphertext ‖ tag (16)`,
 *   AES-256-GCM (authenticated encryption: a changed byte fails authentication, and the clearing price is
 *   unreadable without the key), the version authenticated as associated data;
 * - click (version 3): `3 ‖ length (2) ‖ the award's sealed impression token ‖ destination (UTF-8) ‖ mac (16)`, the
 *   mac an HMAC-SHA256 of every byte before it. One AES-GCM seal per award then serves its impression token and
 *   all its click tokens (each a cheaper HMAC): the price stays encrypted inside, and the destination, which
 *   the browser is sent to anyway, is authenticated but readable. A version-1 token may also be a click token
 *   ({@link seal} of a click claim), and is still read as one.
 * Both keys are derived from the configured secret with HKDF-SHA256, one per use.
 */
export class TrackerTokenCodec {
  /** KeyObjects rather than bytes: each cipher or HMAC set-up then skips copying and checking the key. */
  private readonly key: KeyObject;
  private readonly macKey: KeyObject;
  /** GCM needs a unique IV per key: 8 random bytes per run of 2^32 tokens, then a counter (no RNG call per token). */
  private ivPrefix = randomBytes(8);
  private ivCounter = 0;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'rtb-exchange trackers', 'tracker token v1', 32)));
    this.macKey = createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'rtb-exchange trackers', 'tracker click token mac', 32)));
  }

  /** Writes the next IV at `out[at…at+12)`. */
  private writeIv(out: Buffer, at: number): void {
    if (this.ivCounter === 0xffff_ffff) {
      this.ivPrefix = randomBytes(8);
      this.ivCounter = 0;
    }
    this.ivPrefix.copy(out, at);
    out.writeUInt32BE(this.ivCounter++, at + 8);
  }

  /** Seals a claim into a (version 1) token. */
  seal(claim: TrackerClaim): string {
    return this.sealBytes(claim).toString('base64url');
  }

  /** Seals an impression claim, to serve as its impression token and inside its award's click tokens. */
  sealImpression(claim: TrackerClaim & { readonly kind: 'impression' }): SealedImpression {
    const bytes = this.sealBytes(claim);
    return { token: bytes.toString('base64url'), bytes };
  }

  /**
   * A click token for the award `impression` was sealed for, redirecting to `destination` (an absolute http(s)
   * URL: the caller checks) or, without one, only recording the click. It reads back as the impression's claim
   * with kind `click`, no `burl`, and this destination; it expires with the impression token.
   */
  clickToken(impression: SealedImpression, destination?: string): string {
    const inner = impression.bytes;
    const length = destination === undefined ? 0 : Buffer.byteLength(destination, 'utf8');
    const out = Buffer.allocUnsafe(3 + inner.length + length + MAC_BYTES);
    out[0] = CLICK_VERSION;
    out.writeUInt16BE(inner.length, 1);
    inner.copy(out, 3);
    if (destination !== undefined) out.write(destination, 3 + inner.length, 'utf8');
    const signed = 3 + inner.length + length;
    createHmac('sha256', this.macKey).update(out.subarray(0, signed)).digest().copy(out, signed, 0, MAC_BYTES);
    return out.toString('base64url');
  }

  private sealBytes(claim: TrackerClaim): Buffer {
    const extra = claim.kind === 'impression' ? claim.burl : claim.destination;
    const fields = [KIND_CODE[claim.kind], claim.auctionId, claim.auctionStartedAt, claim.bidder, claim.bidId, claim.impId, claim.clearingMicros, Math.floor(claim.expiresAt / 1000)];
    if (extra !== undefined) fields.push(extra);
    const plain = Buffer.from(JSON.stringify(fields), 'utf8');
    // One buffer for the whole token, the pieces written in place: `version ‖ iv ‖ ciphertext ‖ tag`.
    const out = Buffer.allocUnsafe(1 + IV_BYTES + plain.length + TAG_BYTES);
    out[0] = VERSION;
    this.writeIv(out, 1);
    const cipher = createCipheriv('aes-256-gcm', this.key, out.subarray(1, 1 + IV_BYTES));
    cipher.setAAD(out.subarray(0, 1));
    // GCM is a stream mode: the ciphertext is as long as the plaintext, and `final()` adds nothing.
    cipher.update(plain).copy(out, 1 + IV_BYTES);
    cipher.final();
    cipher.getAuthTag().copy(out, 1 + IV_BYTES + plain.length);
    return out;
  }

  /** Opens a token: its claim if authentic, of the expected kind (when given) and not expired at `now`. */
  open(token: string, expected?: TrackerClaim['kind'], now = Date.now()): TokenReading {
    if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'malformed' };
    const bytes = Buffer.from(token, 'base64url');
    if (bytes[0] === CLICK_VERSION) return this.openClick(bytes, expected, now);
    return this.openSealed(bytes, expected, now);
  }

  private openSealed(bytes: Buffer, expected: TrackerClaim['kind'] | undefined, now: number): TokenReading {
    if (bytes.length < MIN_SEALED_BYTES || bytes[0] !== VERSION) return { ok: false, reason: 'malformed' };
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(bytes.subarray(0, 1));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return { ok: false, reason: 'forged' };
    }
    const claim = claimOf(plain);
    // Authentic but unreadable: sealed by a different version of this code with the same key.
    if (!claim) return { ok: false, reason: 'malformed' };
    if (expected && claim.kind !== expected) return { ok: false, reason: 'wrong-kind' };
    if (claim.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claim };
  }

  private openClick(bytes: Buffer, expected: TrackerClaim['kind'] | undefined, now: number): TokenReading {
    if (bytes.length < 3 + MIN_SEALED_BYTES + MAC_BYTES) return { ok: false, reason: 'malformed' };
    const signed = bytes.length - MAC_BYTES;
    const mac = createHmac('sha256', this.macKey).update(bytes.subarray(0, signed)).digest().subarray(0, MAC_BYTES);
    if (!timingSafeEqual(mac, bytes.subarray(signed))) return { ok: false, reason: 'forged' };
    const innerEnd = 3 + bytes.readUInt16BE(1);
    if (innerEnd > signed) return { ok: false, reason: 'malformed' };
    if (expected && expected !== 'click') return { ok: false, reason: 'wrong-kind' };
    // Authentic: minted by this exchange around the award's impression token, which is read as usual.
    const inner = this.openSealed(bytes.subarray(3, innerEnd), 'impression', now);
    if (!inner.ok) return inner.reason === 'wrong-kind' ? { ok: false, reason: 'malformed' } : inner;
    const destination = innerEnd === signed ? undefined : bytes.toString('utf8', innerEnd, signed);
    if (destination !== undefined && !isHttpUrl(destination)) return { ok: false, reason: 'malformed' };
    const { burl: _burl, ...award } = inner.claim;
    return { ok: true, claim: { ...award, kind: 'click', ...(destination === undefined ? {} : { destination }) } };
  }
}

function claimOf(plain: string): TrackerClaim | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(plain);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length < 8 || fields.length > 9) return undefined;
  const [kindCode, auctionId, auctionStartedAt, bidder, bidId, impId, clearingMicros, expiresAtSeconds, extra] = fields as unknown[];
  const kind = kindCode === 'i' ? 'impression' : kindCode === 'c' ? 'click' : undefined;
  if (!kind || typeof auctionId !== 'string' || typeof bidder !== 'string' || typeof bidId !== 'string' || typeof impId !== 'string') return undefined;
  if (!Number.isSafeInteger(auctionStartedAt) || !Number.isSafeInteger(clearingMicros) || !Number.isSafeInteger(expiresAtSeconds)) return undefined;
  if (extra !== undefined && typeof extra !== 'string') return undefined;
  return {
    kind,
    auctionId,
    auctionStartedAt: auctionStartedAt as number,
    bidder,
    bidId,
    impId,
    clearingMicros: clearingMicros as number,
    expiresAt: (expiresAtSeconds as number) * 1000,
    ...(extra === undefined ? {} : kind === 'impression' ? { burl: extra } : { destination: extra }),
  };
}

/**
 * The identity of the won impression a claim is about, the same for every token of that award (impression
 * pixel, VAST `<Impression>`, native tracker): the billing dedupe key. A short hash, fit for a journal line.
 */
export function impressionKey(claim: Pick<TrackerClaim, 'auctionId' | 'auctionStartedAt' | 'bidder' | 'bidId' | 'impId'>): string {
  return createHash('sha256')
    .update(JSON.stringify([claim.auctionId, claim.auctionStartedAt, claim.bidder, claim.bidId, claim.impId]))
    .digest('base64url')
    .slice(0, 22);
}
