import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Micros } from '../money.js';

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

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Longer tokens are refused before any crypto: a tracker URL is never that long. */
const MAX_TOKEN_CHARS = 8_192;
const KIND_CODE = { impression: 'i', click: 'c' } as const;

/**
 * Seals {@link TrackerClaim}s into URL-safe tokens with AES-256-GCM (authenticated encryption: a changed byte
 * fails authentication, and the clearing price is unreadable without the key), and opens them again.
 * Token layout, base64url: `version (1) ‖ iv (12: 8 random bytes ‖ a 32-bit counter) ‖ ciphertext ‖ tag (16)`; the version is
 * authenticated as associated data. The key is derived from the configured secret with HKDF-SHA256.
 */
export class TrackerTokenCodec {
  private readonly key: Buffer;
  /** GCM needs a unique IV per key: 8 random bytes per run of 2^32 tokens, then a counter (no RNG call per token). */
  private ivPrefix = randomBytes(8);
  private ivCounter = 0;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'rtb-exchange trackers', 'tracker token v1', 32));
  }

  private nextIv(): Buffer {
    if (this.ivCounter === 0xffff_ffff) {
      this.ivPrefix = randomBytes(8);
      this.ivCounter = 0;
    }
    const iv = Buffer.allocUnsafe(IV_BYTES);
    this.ivPrefix.copy(iv, 0);
    iv.writeUInt32BE(this.ivCounter++, 8);
    return iv;
  }

  /** Seals a claim into a token. */
  seal(claim: TrackerClaim): string {
    const extra = claim.kind === 'impression' ? claim.burl : claim.destination;
    const fields = [KIND_CODE[claim.kind], claim.auctionId, claim.auctionStartedAt, claim.bidder, claim.bidId, claim.impId, claim.clearingMicros, Math.floor(claim.expiresAt / 1000)];
    if (extra !== undefined) fields.push(extra);
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const header = Buffer.of(VERSION);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Opens a token: its claim if authentic, of the expected kind (when given) and not expired at `now`. */
  open(token: string, expected?: TrackerClaim['kind'], now = Date.now()): TokenReading {
    if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'malformed' };
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES + 1 || bytes[0] !== VERSION) return { ok: false, reason: 'malformed' };
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
