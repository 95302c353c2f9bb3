import type { Logger } from 'pino';
import { inject, injectable } from 'tsyringe';
import {
  type BidderStageContext, type BidRequest, type ConfigKeys, noop, type Plugin, type PluginScope, type SyncAnswer, type SyncContext,
  type SyncRequest, Tokens, update, withFields,
} from '../../core/index.js';
import { SYNC_DATA, decodeIdentity, encodeIdentity, newUserId, type IdentityState } from './identity-cookie.js';
import { readSettings, USER_SYNC_KEYS, type SyncPartner, type UserSyncSettings } from './settings.js';
import { PIXEL } from './pixel.js';
import { cookieSyncAnswer, readSetuid, setuidAnswer } from './prebid-sync.js';
import { bindingSignature, shortIp } from './signature.js';

const SIGN = /^\d{1,10}$/;
const NO_STORE = { 'cache-control': 'no-store' } as const;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A header as received, '' when absent (the signature counts a missing header as an empty string). */
function header(request: SyncRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The redirect target of a binding call: an absolute http(s) URL, serialized (ASCII, safe for a header). */
function redirectTarget(location: string): string | undefined {
  try {
    const url = new URL(location);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `host` is one of `allowed` (exactly, or under one that starts with a dot). */
function redirectAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.startsWith('.') ? host.endsWith(entry) || host === entry.slice(1) : host === entry));
}

/**
 * `user-sync` — the RTB host's cookie binding (R9–R11) and the exchange's own user id.
 *
 * `sync` stage, purpose `bind` (`GET /sync?tag=TAG&data=DATA[&location=URL]&sign=SIGN`): a bidder whose
 * `syncTag` is TAG binds DATA to the browser when SIGN is `crc32(short_ip . Referer . User-Agent . location .
 * data . syncKey)`. The data goes into the exchange's identity cookie (HMAC-signed, one cookie for every tag).
 * Purposes `cookieSync` and `setuid` (Prebid Server's `POST /cookie_sync`, `GET /setuid`): the user syncs of the
 * bidders with a `syncUrl` that the browser has no id of yet, and the binding their redirects land on.
 * Purpose `identify` (before every tag auction, and an OpenRTB auction whose request carries cookies): reads that cookie, creating a random exchange user id on the
 * first visit, and hands the auction `{ userId, bound }`.
 *
 * `requestBuild` stage: sets `user.buyeruid` to the bidder's own bound data, for that bidder only.
 */
@injectable()
export class UserSync implements Plugin {
  /** Its options (the identity cookie) and each bidder's sync keys. */
  static readonly configKeys: ConfigKeys = USER_SYNC_KEYS;

  private readonly settings: UserSyncSettings;
  private readonly log: Logger;

  constructor(@inject(Tokens.PluginScope) scope: PluginScope) {
    this.settings = readSettings(scope);
    this.log = scope.log;
  }

  /** `sync` stage: a binding call (`bind`, `setuid`), Prebid's sync list (`cookieSync`), or reading the browser's identity before an auction (`identify`). */
  sync(ctx: SyncContext, request: SyncRequest) {
    switch (request.purpose) {
      case 'bind': return this.bind(ctx, request);
      case 'setuid': return this.setuid(ctx, request);
      case 'cookieSync': return update(cookieSyncAnswer(request.body, this.settings, ctx.publicUrl, this.readCookie(request, nowSeconds())));
      case 'identify': return this.identify(ctx, request);
    }
  }

  /** Prebid Server's `GET /setuid?bidder=NAME&uid=UID[&f=i|b]`: the bidder's uid bound to the browser (an empty uid unbinds). */
  private setuid(ctx: SyncContext, request: SyncRequest) {
    const read = readSetuid(request.query, this.settings);
    if ('status' in read) return update(read);
    const now = nowSeconds();
    const current = this.readCookie(request, now);
    const bindings = new Map(current?.bindings);
    if (read.uid === undefined) bindings.delete(read.partner.tag);
    else bindings.set(read.partner.tag, read.uid);
    this.log.debug({ bidder: read.partner.bidder, bound: read.uid !== undefined }, 'setuid binding stored');
    return update<SyncAnswer>({ ...setuidAnswer(read.format), setCookies: [this.cookie(ctx, current?.userId ?? newUserId(), bindings, now)] });
  }

  /**
   * `requestBuild` stage: the bidder's own bound data as `user.buyeruid` (unless the caller's request has one);
   * other bidders' requests are left alone.
   */
  requestBuild(ctx: BidderStageContext, request: BidRequest) {
    const bound = ctx.auction.identity?.bound;
    if (!bound || !Object.hasOwn(bound, ctx.bidder.name) || request.user?.buyeruid !== undefined) return noop();
    return update(withFields(request, { user: withFields(request.user ?? {}, { buyeruid: bound[ctx.bidder.name] }) }));
  }

  /** A binding call (R10, R11). An unknown tag is not this plugin's: the route answers 404. */
  private bind(ctx: SyncContext, request: SyncRequest) {
    const { tag, data, sign } = request.query;
    const partner = tag === undefined ? undefined : this.settings.partners.get(tag);
    if (!partner?.key) return noop();
    if (data === undefined || !SYNC_DATA.test(data)) return update(this.refuse(400, 'data: must be 1 to 27 printable ASCII characters'));
    const location = request.query.location ?? '';
    const target = location ? redirectTarget(location) : undefined;
    if (location && !target) return update(this.refuse(400, 'location: must be an absolute http or https URL'));
    // The signature (the seed's crc32, R10) is no MAC: a forged location of the same length can carry a valid
    // one. Only hosts the bidder listed can be redirected to, so a binding is never an open redirect.
    if (target && !redirectAllowed(new URL(target).hostname, partner.redirectHosts)) {
      return update(this.refuse(400, `location: ${new URL(target).hostname} is not in bidders.${partner.bidder}.syncRedirectHosts`));
    }
    const expected = bindingSignature({
      shortIp: shortIp(request.clientIp),
      referer: header(request, 'referer'),
      userAgent: header(request, 'user-agent'),
      location,
      data,
      key: partner.key,
    });
    if (sign === undefined || !SIGN.test(sign) || Number(sign) !== expected) {
      this.log.debug({ tag, bidder: partner.bidder, signed: sign !== undefined }, 'sync binding refused: wrong signature');
      return update(this.refuse(404));
    }
    const now = nowSeconds();
    const current = this.readCookie(request, now);
    const bindings = new Map(current?.bindings);
    bindings.set(partner.tag, data);
    const setCookies = [this.cookie(ctx, current?.userId ?? newUserId(), bindings, now)];
    this.log.debug({ tag, bidder: partner.bidder }, 'sync binding stored');
    const answer: SyncAnswer = target
      ? { status: 302, headers: { ...NO_STORE, location: target }, setCookies }
      : { status: 200, headers: { ...NO_STORE, 'content-type': 'image/gif' }, body: PIXEL, setCookies };
    return update(answer);
  }

  /** Reads the browser's identity for a tag auction; gives it a cookie on the first visit and when half its lifetime is gone. */
  private identify(ctx: SyncContext, request: SyncRequest) {
    const now = nowSeconds();
    const current = this.readCookie(request, now);
    const userId = current?.userId ?? newUserId();
    const bindings = current?.bindings ?? new Map<string, string>();
    const fresh = current !== undefined && current.expiresAt - now > this.settings.cookie.maxAgeSeconds / 2;
    const bound: Record<string, string> = {};
    for (const [tag, data] of bindings) {
      const partner: SyncPartner | undefined = this.settings.partners.get(tag);
      if (partner) bound[partner.bidder] = data;
    }
    return update<SyncAnswer>({
      status: 200,
      identity: { userId, bound },
      setCookies: fresh ? [] : [this.cookie(ctx, userId, bindings, now)],
    });
  }

  /** The browser's identity cookie when the exchange wrote it and it has not expired; anything else is ignored. */
  private readCookie(request: SyncRequest, now: number): IdentityState | undefined {
    const value = request.cookies[this.settings.cookie.name];
    return value === undefined ? undefined : decodeIdentity(value, this.settings.cookie.secret, now);
  }

  /**
   * The `Set-Cookie` value for a browser's identity, valid for `maxAgeDays` from now. Tags no configured bidder
   * has any more are dropped. A cross-site cookie needs `SameSite=None; Secure`, so it gets them when the
   * exchange's public URL is https; over plain http it is `SameSite=Lax`.
   */
  private cookie(ctx: SyncContext, userId: string, bindings: ReadonlyMap<string, string>, now: number): string {
    const { name, secret, maxAgeSeconds, domain } = this.settings.cookie;
    const kept = new Map([...bindings].filter(([tag]) => this.settings.partners.has(tag)));
    const value = encodeIdentity({ userId, bindings: kept, expiresAt: now + maxAgeSeconds }, secret);
    const secure = ctx.publicUrl.startsWith('https:');
    return [
      `${name}=${value}`,
      'Path=/',
      `Max-Age=${maxAgeSeconds}`,
      ...(domain ? [`Domain=${domain}`] : []),
      'HttpOnly',
      ...(secure ? ['SameSite=None', 'Secure'] : ['SameSite=Lax']),
    ].join('; ');
  }

  /** A refusal the browser sees: status and an optional plain-text reason, never cached. */
  private refuse(status: 400 | 404, reason?: string): SyncAnswer {
    return { status, headers: NO_STORE, ...(reason ? { body: reason } : {}) };
  }
}
