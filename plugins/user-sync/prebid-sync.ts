import type { SyncAnswer } from '../../core/index.js';
import { BOUND_DATA, type IdentityState } from './identity-cookie.js';
import { PIXEL } from './pixel.js';
import type { SyncPartner, UserSyncSettings } from './settings.js';

const NO_STORE = { 'cache-control': 'no-store' } as const;
const JSON_TYPE = { ...NO_STORE, 'content-type': 'application/json; charset=utf-8' } as const;
/** The most user syncs one `/cookie_sync` answer offers when the request names no `limit`. */
const MAX_SYNCS = 32;

/** What `/setuid` answers with: an image (`f=i`, a redirect sync's default) or an empty page (`f=b`, an iframe's). */
export type SetuidFormat = 'i' | 'b';

type Refusal = SyncAnswer & { readonly status: 400 };
const refuse = (message: string): Refusal => ({ status: 400, headers: { ...NO_STORE, 'content-type': 'text/plain; charset=utf-8' }, body: message });

/**
 * Reads `GET /setuid?bidder=NAME&uid=UID[&f=i|b]` as Prebid Server does: `bidder` is a bidder with a `syncUrl`, `uid`
 * its id for the browser (1–128 printable ASCII characters; empty or absent: unbind), `f` the answer's format. Else a
 * `400` saying what is wrong.
 */
export function readSetuid(
  query: Readonly<Record<string, string | undefined>>,
  settings: UserSyncSettings,
): { partner: SyncPartner; uid: string | undefined; format: SetuidFormat } | Refusal {
  const { bidder, uid, f } = query;
  if (!bidder) return refuse('bidder: required');
  const partner = settings.byBidder.get(bidder);
  if (!partner?.userSync) return refuse(`bidder: "${bidder.slice(0, 64)}" does not sync through /setuid here (no bidders.${bidder.slice(0, 64)}.syncUrl)`);
  if (uid && !BOUND_DATA.test(uid)) return refuse('uid: must be 1 to 128 printable ASCII characters');
  if (f !== undefined && f !== 'i' && f !== 'b') return refuse("f: must be 'i' (image) or 'b' (blank)");
  return { partner, uid: uid || undefined, format: f ?? (partner.userSync.type === 'iframe' ? 'b' : 'i') };
}

/** The answer of a `/setuid` that bound: the pixel, or an empty page. */
export function setuidAnswer(format: SetuidFormat): SyncAnswer {
  return format === 'i'
    ? { status: 200, headers: { ...NO_STORE, 'content-type': 'image/gif' }, body: PIXEL }
    : { status: 200, headers: { ...NO_STORE, 'content-type': 'text/html; charset=utf-8' }, body: '' };
}

/** One entry of `/cookie_sync`'s `bidder_status`. */
interface BidderStatus {
  readonly bidder: string;
  readonly no_cookie?: true;
  readonly usersync?: { readonly url: string; readonly type: string; readonly supportCORS: false };
  readonly error?: string;
}

/**
 * `POST /cookie_sync`, as Prebid Server answers it: `{ status, bidder_status }`. `status` is `ok` when the browser
 * has the exchange's cookie, else `no_cookie`. `bidder_status` offers the user sync of each requested bidder
 * (`bidders`; absent or empty: every bidder with a `syncUrl`) that the browser has no id of yet, at most `limit`: its
 * `syncUrl` with `{{redirect_url}}` the exchange's `/setuid` URL (`uid=$UID` for the bidder to fill in), and
 * `{{gdpr}}`, `{{gdpr_consent}}`, `{{us_privacy}}` from the request. A requested bidder that cannot sync here gets an
 * `error`.
 */
export function cookieSyncAnswer(body: unknown, settings: UserSyncSettings, publicUrl: string, identity: IdentityState | undefined): SyncAnswer {
  const read = readCookieSync(body);
  if ('status' in read) return read;
  const names = read.bidders ?? [...settings.byBidder.values()].filter((partner) => partner.userSync).map((partner) => partner.bidder);
  const statuses: BidderStatus[] = [];
  let offered = 0;
  for (const bidder of new Set(names)) {
    const partner = settings.byBidder.get(bidder);
    if (!partner?.userSync) {
      statuses.push({ bidder, error: partner ? 'No sync config' : 'Unsupported bidder' });
      continue;
    }
    if (identity?.bindings.has(partner.tag) || offered >= read.limit) continue;
    offered++;
    const format: SetuidFormat = partner.userSync.type === 'iframe' ? 'b' : 'i';
    const consent = { gdpr: read.gdpr, gdpr_consent: read.gdprConsent, us_privacy: read.usPrivacy };
    const redirect = `${publicUrl}/setuid?bidder=${encodeURIComponent(bidder)}&gdpr=${encodeURIComponent(consent.gdpr)}&gdpr_consent=${encodeURIComponent(consent.gdpr_consent)}&f=${format}&uid=$UID`;
    const url = partner.userSync.url
      .replaceAll('{{redirect_url}}', encodeURIComponent(redirect))
      .replaceAll('{{gdpr}}', encodeURIComponent(consent.gdpr))
      .replaceAll('{{gdpr_consent}}', encodeURIComponent(consent.gdpr_consent))
      .replaceAll('{{us_privacy}}', encodeURIComponent(consent.us_privacy));
    statuses.push({ bidder, no_cookie: true, usersync: { url, type: partner.userSync.type, supportCORS: false } });
  }
  return {
    status: 200,
    headers: JSON_TYPE,
    body: JSON.stringify({ status: identity ? 'ok' : 'no_cookie', bidder_status: statuses }),
  };
}

/** A `/cookie_sync` body: which bidders (absent: all), how many syncs at most, and the consent strings to pass on. */
function readCookieSync(body: unknown): { bidders?: string[]; limit: number; gdpr: string; gdprConsent: string; usPrivacy: string } | Refusal {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse('(body): must be a JSON object');
  const { bidders, limit, gdpr, gdpr_consent: gdprConsent, us_privacy: usPrivacy } = body as Record<string, unknown>;
  if (bidders !== undefined && (!Array.isArray(bidders) || bidders.length > 1_000 || !bidders.every((name) => typeof name === 'string'))) return refuse('bidders: must be a list of bidder codes');
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 0)) return refuse('limit: must be a whole number');
  if (gdpr !== undefined && gdpr !== 0 && gdpr !== 1) return refuse('gdpr: must be 0 or 1');
  if (gdprConsent !== undefined && typeof gdprConsent !== 'string') return refuse('gdpr_consent: must be a string');
  if (usPrivacy !== undefined && typeof usPrivacy !== 'string') return refuse('us_privacy: must be a string');
  return {
    ...(Array.isArray(bidders) && bidders.length > 0 ? { bidders: bidders as string[] } : {}),
    // Prebid Server reads 0 as no limit.
    limit: limit === undefined || limit === 0 ? MAX_SYNCS : Math.min(limit as number, MAX_SYNCS),
    gdpr: gdpr === undefined ? '' : String(gdpr),
    gdprConsent: (gdprConsent as string | undefined) ?? '',
    usPrivacy: (usPrivacy as string | undefined) ?? '',
  };
}
