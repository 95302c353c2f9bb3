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
  /**
   * Impression tokens of an auction the page decided: the bid's win notice (`nurl`), expanded as `burl` is, sent when
   * the ad renders (only then does the exchange learn it won); absent otherwise.
   */
  readonly nurl?: string;
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
/** A sealed impression claim that also lists its award's click destinations: AES-256-GCM, as version 1. */
const LISTED_VERSION = 4;
/** A click token made of a version-4 impression token and the index of its destination in that token's list. */
const LISTED_CLICK_VERSION = 5;
/** A version-4 token lists at most this many click destinations: the index is 16 bits. */
const MAX_LISTED_CLICKS = 0x1_0000;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The click token's HMAC-SHA256, truncated (RFC 2104 §5): 128 bits. */
const MAC_BYTES = 16;
/** The smallest sealed token: version, IV, one byte of ciphertext, tag. */
const MIN_SEALED_BYTES = 1 + IV_BYTES + 1 + TAG_BYTES;
/** Longer tokens are refused before any crypto: a tracker URL is never that long. */
export const MAX_TOKEN_CHARS = 8_192;

/** The characters of a sealed token (version 1 or 4) whose plaintext is `plainBytes` long: base64url, no padding. */
export function sealedTokenChars(plainBytes: number): number {
  return Math.ceil(((1 + IV_BYTES + plainBytes + TAG_BYTES) * 4) / 3);
}
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
  /** The click destinations listed in the token (undefined: a click that is only recorded), in index order. */
  readonly clicks: readonly (string | undefined)[];
}

/** A sealed token opened: its claim and, for a version-4 impression token, the click destinations it lists. */
type Unsealed =
  | { readonly ok: true; readonly claim: TrackerClaim; readonly clicks: readonly (string | undefined)[] }
  | { readonly ok: false; readonly reason: TokenRefusal };

/**
 * Seals {@link TrackerClaim}s into URL-safe tokens, and opens them again. Four layouts, base64url:
 * - sealed (version 1): `1 ‖ iv (12: 8 random bytes ‖ a 32-bit counter) ‖ ciphertext ‖ tag (16)`, AES-256-GCM
 *   (authenticated encryption: a changed byte fails authentication, and the clearing price is unreadable without
 *   the key), the version authenticated as associated data: impression tokens without listed clicks, and click
 *   claims sealed on their own ({@link seal});
 * - listed (version 4): the same, version 4, for an impression token whose plaintext also lists its award's click
 *   destinations ({@link sealImpression} with clicks), encrypted with the rest;
 * - listed click (version 5): `5 ‖ index (2) ‖ a version-4 token`, the click to the index-th destination that token
 *   lists. No cryptography of its own, so the award's one seal serves its impression token and every listed click:
 *   the destination is bound to the award by the key through the sealed list (a destination that is not listed
 *   cannot be named), and another index in range names another of the award's own clicks, whose URLs the same
 *   markup holds anyway;
 * - click (version 3): `3 ‖ length (2) ‖ the award's sealed impression token (version 1 or 4) ‖ destination
 *   (UTF-8) ‖ mac (16)`, the mac an HMAC-SHA256 of every byte before it: a click to a destination its impression
 *   token does not list, readable but authenticated.
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
    const fields = awardFieldsOf(claim);
    const extra = claim.kind === 'impression' ? claim.burl : claim.destination;
    if (claim.kind === 'impression' && claim.nurl !== undefined) fields.push(extra ?? null, claim.nurl);
    else if (extra !== undefined) fields.push(extra);
    return this.sealBytes(VERSION, fields).toString('base64url');
  }

  /**
   * Seals an impression claim, to serve as its impression token and inside its award's click tokens. With `clicks`
   * (destinations, or undefined for a click that is only recorded; at most 65,536), the token lists them (version
   * 4), and {@link clickToken} makes their click tokens without cryptography.
   */
  sealImpression(claim: TrackerClaim & { readonly kind: 'impression' }, clicks: readonly (string | undefined)[] = []): SealedImpression {
    if (clicks.length > MAX_LISTED_CLICKS) throw new RangeError(`at most ${MAX_LISTED_CLICKS} clicks can be listed in a token`);
    const fields = awardFieldsOf(claim);
    // Version 4 always has both fields; JSON writes undefined in an array as null. A `nurl` comes last, in either.
    if (clicks.length > 0) fields.push(claim.burl ?? null, clicks);
    else if (claim.burl !== undefined || claim.nurl !== undefined) fields.push(claim.burl ?? null);
    if (claim.nurl !== undefined) fields.push(claim.nurl);
    const bytes = this.sealBytes(clicks.length > 0 ? LISTED_VERSION : VERSION, fields);
    return { token: bytes.toString('base64url'), bytes, clicks };
  }

  /**
   * A click token for the award `impression` was sealed for, redirecting to `destination` (an absolute http(s)
   * URL: the caller checks) or, without one, only recording the click. It reads back as the impression's claim
   * with kind `click`, no `burl`, and this destination; it expires with the impression token. A click the
   * impression token lists is its index next to the token (version 5); any other is signed with an HMAC (version 3).
   */
  clickToken(impression: SealedImpression, destination?: string): string {
    const index = impression.clicks.indexOf(destination);
    // Three bytes are four base64 characters: the prefix's characters and the token's join as the bytes do.
    if (index >= 0) return Buffer.of(LISTED_CLICK_VERSION, index >> 8, index & 0xff).toString('base64url') + impression.token;
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

  private sealBytes(version: number, fields: unknown[]): Buffer {
    const plain = Buffer.from(JSON.stringify(fields), 'utf8');
    // One buffer for the whole token, the pieces written in place: `version ‖ iv ‖ ciphertext ‖ tag`.
    const out = Buffer.allocUnsafe(1 + IV_BYTES + plain.length + TAG_BYTES);
    out[0] = version;
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
    if (bytes[0] === LISTED_CLICK_VERSION) return this.openListedClick(bytes, expected, now);
    return this.openSealed(bytes, expected, now);
  }

  private openSealed(bytes: Buffer, expected: TrackerClaim['kind'] | undefined, now: number): TokenReading {
    const sealed = this.unseal(bytes);
    if (!sealed.ok) return sealed;
    if (expected && sealed.claim.kind !== expected) return { ok: false, reason: 'wrong-kind' };
    if (sealed.claim.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claim: sealed.claim };
  }

  /** Authenticates and reads a version-1 or version-4 token, whatever its kind and expiry. */
  private unseal(bytes: Buffer): Unsealed {
    const version = bytes[0];
    if (bytes.length < MIN_SEALED_BYTES || (version !== VERSION && version !== LISTED_VERSION)) return { ok: false, reason: 'malformed' };
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(bytes.subarray(0, 1));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return { ok: false, reason: 'forged' };
    }
    const read = version === VERSION ? sealedClaimOf(plain) : listedClaimOf(plain);
    // Authentic but unreadable: sealed by a different version of this code with the same key.
    return read ? { ok: true, ...read } : { ok: false, reason: 'malformed' };
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
    return { ok: true, claim: clickOf(inner.claim, destination) };
  }

  private openListedClick(bytes: Buffer, expected: TrackerClaim['kind'] | undefined, now: number): TokenReading {
    if (bytes.length < 3 + MIN_SEALED_BYTES || bytes[3] !== LISTED_VERSION) return { ok: false, reason: 'malformed' };
    // The index is not authenticated: it only picks one of the destinations the authenticated token lists.
    const inner = this.unseal(bytes.subarray(3));
    if (!inner.ok) return inner;
    if (expected && expected !== 'click') return { ok: false, reason: 'wrong-kind' };
    const index = bytes.readUInt16BE(1);
    if (index >= inner.clicks.length) return { ok: false, reason: 'malformed' };
    const destination = inner.clicks[index];
    if (destination !== undefined && !isHttpUrl(destination)) return { ok: false, reason: 'malformed' };
    if (inner.claim.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claim: clickOf(inner.claim, destination) };
  }
}

/** The first eight plaintext fields of a claim, alike in versions 1 and 4: the kind's code and the award. */
function awardFieldsOf(claim: TrackerClaim): unknown[] {
  return [KIND_CODE[claim.kind], claim.auctionId, claim.auctionStartedAt, claim.bidder, claim.bidId, claim.impId, claim.clearingMicros, Math.floor(claim.expiresAt / 1000)];
}

/** The click claim of an award's impression claim: kind `click`, no `burl` or `nurl`, the destination when there is one. */
function clickOf(impression: TrackerClaim, destination: string | undefined): TrackerClaim {
  const { burl: _burl, nurl: _nurl, ...award } = impression;
  return { ...award, kind: 'click', ...(destination === undefined ? {} : { destination }) };
}

function parseArray(plain: string): unknown[] | undefined {
  try {
    const fields: unknown = JSON.parse(plain);
    return Array.isArray(fields) ? fields : undefined;
  } catch {
    return undefined;
  }
}

/** A version-1 plaintext: `[kind, …award, burl or destination?]`, or `["i", …award, burl or null, nurl]`. */
function sealedClaimOf(plain: string): { claim: TrackerClaim; clicks: readonly (string | undefined)[] } | undefined {
  const fields = parseArray(plain);
  if (!fields || fields.length < 8 || fields.length > 10) return undefined;
  if (fields.length === 10 && fields[0] !== KIND_CODE.impression) return undefined;
  const claim = claimOf(fields, fields.length === 10 ? fields[8] ?? undefined : fields[8], fields[9]);
  return claim && { claim, clicks: [] };
}

/** A version-4 plaintext: `["i", …award, burl or null, [destination or null, …], nurl?]` (at least one click). */
function listedClaimOf(plain: string): { claim: TrackerClaim; clicks: readonly (string | undefined)[] } | undefined {
  const fields = parseArray(plain);
  if (!fields || fields.length < 10 || fields.length > 11 || fields[0] !== KIND_CODE.impression) return undefined;
  const [burl, listed, nurl] = fields.slice(8);
  if (!Array.isArray(listed) || listed.length === 0 || listed.length > MAX_LISTED_CLICKS) return undefined;
  if (!listed.every((click) => click === null || typeof click === 'string')) return undefined;
  const claim = claimOf(fields, burl ?? undefined, nurl);
  return claim && { claim, clicks: listed.map((click: string | null) => click ?? undefined) };
}

/** The claim of a plaintext's first eight fields, its burl (impression) or destination (click), and its nurl (impression). */
function claimOf(fields: unknown[], extra: unknown, nurl?: unknown): TrackerClaim | undefined {
  const [kindCode, auctionId, auctionStartedAt, bidder, bidId, impId, clearingMicros, expiresAtSeconds] = fields;
  const kind = kindCode === 'i' ? 'impression' : kindCode === 'c' ? 'click' : undefined;
  if (!kind || typeof auctionId !== 'string' || typeof bidder !== 'string' || typeof bidId !== 'string' || typeof impId !== 'string') return undefined;
  if (!Number.isSafeInteger(auctionStartedAt) || !Number.isSafeInteger(clearingMicros) || !Number.isSafeInteger(expiresAtSeconds)) return undefined;
  if (extra !== undefined && typeof extra !== 'string') return undefined;
  if (nurl !== undefined && (typeof nurl !== 'string' || kind !== 'impression')) return undefined;
  const claim: { -readonly [Key in keyof TrackerClaim]: TrackerClaim[Key] } = {
    kind,
    auctionId,
    auctionStartedAt: auctionStartedAt as number,
    bidder,
    bidId,
    impId,
    clearingMicros: clearingMicros as number,
    expiresAt: (expiresAtSeconds as number) * 1000,
  };
  // Field by field rather than spreads of optional parts: this runs for every tracker hit.
  if (extra !== undefined) {
    if (kind === 'impression') claim.burl = extra;
    else claim.destination = extra;
  }
  if (nurl !== undefined) claim.nurl = nurl;
  return claim;
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
