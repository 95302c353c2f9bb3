import { type ConfigKeys, type PluginScope, RtbStartupError, z } from '../../core/index.js';
import { SYNC_TAG } from './identity-cookie.js';

/**
 * A secret as written in config: the value itself (`'s3cret'`), or `{ env: 'NAME' }` to read it from the
 * environment variable NAME once, at start-up.
 */
export type SecretSource = string | { readonly env: string };

/** How a browser runs a bidder's user sync (Prebid's `usersync.type`): an image that redirects, or an iframe. */
export type SyncType = 'redirect' | 'iframe';

/**
 * A bidder that may bind data to browsers: its sync tag (config `syncTag`), and its signing key for the seed's
 * binding (`syncKey`, `GET /sync`) and/or its user-sync URL for Prebid's (`syncUrl`, `POST /cookie_sync` and
 * `GET /setuid`).
 */
export interface SyncPartner {
  readonly bidder: string;
  readonly tag: string;
  /** Absent: `GET /sync` does not bind for this tag (the bidder syncs through `/setuid` only). */
  readonly key?: string;
  /** Absent: the bidder is not offered in `/cookie_sync` and `/setuid` does not bind for it. */
  readonly userSync?: { readonly url: string; readonly type: SyncType };
  /**
   * Where its binding calls may redirect (`syncRedirectHosts`): host names, lower case; one starting with a dot
   * also covers its subdomains. Empty: a binding call with a `location` is refused.
   */
  readonly redirectHosts: readonly string[];
}

/** The identity cookie's settings (plugin options). */
export interface CookieSettings {
  readonly name: string;
  readonly secret: string;
  readonly maxAgeSeconds: number;
  readonly domain?: string;
}

/** Everything `user-sync` reads from config, checked once at start-up. */
export interface UserSyncSettings {
  /** The bidders that may bind, by sync tag. */
  readonly partners: ReadonlyMap<string, SyncPartner>;
  /** The same, by bidder name (`/setuid?bidder=`, `/cookie_sync`'s `bidders`). */
  readonly byBidder: ReadonlyMap<string, SyncPartner>;
  readonly cookie: CookieSettings;
}

const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const DOMAIN = /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
const MIN_COOKIE_SECRET = 16;

const SECRET_FORM = "must be a string or { env: 'VARIABLE_NAME' }";
const secretSource = z.union([z.string(), z.strictObject({ env: z.string() })], { error: SECRET_FORM });
const DAYS = 'must be a whole number of days from 1 to 400';

/**
 * What `user-sync` reads from config (declared to the core, which refuses any other option): its options, and each
 * bidder's `syncTag`, `syncKey`, `syncRedirectHosts`, `syncUrl` and `syncType`. {@link readSettings} checks what spans keys (a tag needs
 * a key, tags are unique) and reads the secrets.
 */
export const USER_SYNC_KEYS = {
  options: z.object({
    cookieSecret: secretSource.optional(),
    cookieName: z.string(`must be 1–64 letters, digits, '-' or '_'`).regex(COOKIE_NAME, `must be 1–64 letters, digits, '-' or '_'`).optional(),
    cookieDomain: z.string('not a domain name').regex(DOMAIN, 'not a domain name').optional(),
    maxAgeDays: z.int(DAYS).min(1, DAYS).max(400, DAYS).optional(),
  }),
  bidder: {
    syncTag: z.string(`must be 1–32 letters, digits, '-' or '_'`).regex(SYNC_TAG, `must be 1–32 letters, digits, '-' or '_'`),
    syncKey: secretSource,
    syncRedirectHosts: z.array(z.string().regex(DOMAIN), { error: "must be a list of host names (e.g. ['sync.dsp.example', '.dsp.example'])" }),
    syncUrl: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an absolute http(s) URL, {{redirect_url}} where the exchange\'s /setuid URL goes')
      .refine((url) => url.includes('{{redirect_url}}'), 'must contain {{redirect_url}}: where the exchange\'s /setuid URL goes'),
    syncType: z.enum(['redirect', 'iframe']),
  },
} satisfies ConfigKeys;

/** Reads a {@link SecretSource}; a problem naming `at` when it is neither form, or its variable is unset or empty. */
function readSecret(source: unknown, at: string, problems: string[]): string | undefined {
  if (typeof source === 'string') {
    if (source) return source;
    problems.push(`${at}: must not be empty`);
    return undefined;
  }
  const env = (source as { env?: unknown } | null)?.env;
  if (typeof source !== 'object' || source === null || typeof env !== 'string' || Object.keys(source).length !== 1) {
    problems.push(`${at}: must be a string or { env: 'VARIABLE_NAME' }`);
    return undefined;
  }
  const value = process.env[env];
  if (value) return value;
  problems.push(`${at}: environment variable ${env} is not set`);
  return undefined;
}

/**
 * Reads the plugin's options and every bidder's `syncTag`/`syncKey` (their forms checked by the core against
 * {@link USER_SYNC_KEYS}), and checks what spans keys: the cookie secret is required and long enough, a tag comes with
 * a key, tags are unique, secrets' variables are set. Throws one {@link RtbStartupError} listing every problem, each
 * naming its config key.
 */
export function readSettings(scope: PluginScope): UserSyncSettings {
  const problems: string[] = [];
  const at = scope.optionsAt;
  // Checked against USER_SYNC_KEYS.options by the core before the plugin is built.
  const options = scope.options as z.output<typeof USER_SYNC_KEYS.options>;

  const secret = options.cookieSecret === undefined
    ? (problems.push(`${at}.cookieSecret: required (a string or { env: 'VARIABLE_NAME' }) to sign the identity cookie`), undefined)
    : readSecret(options.cookieSecret, `${at}.cookieSecret`, problems);
  if (secret !== undefined && secret.length < MIN_COOKIE_SECRET) problems.push(`${at}.cookieSecret: must be at least ${MIN_COOKIE_SECRET} characters`);

  const partners = new Map<string, SyncPartner>();
  const owners = new Map<string, string>();
  for (const [bidder, config] of Object.entries(scope.config.bidders)) {
    const { syncTag, syncKey, syncRedirectHosts, syncUrl, syncType } = config as unknown as Partial<z.output<z.ZodObject<typeof USER_SYNC_KEYS.bidder>>>;
    if (syncTag === undefined && syncKey === undefined && syncUrl === undefined) continue;
    const where = `bidders.${bidder}`;
    let tag: string | undefined;
    if (syncTag === undefined) problems.push(`${where}.syncTag: required with ${syncKey === undefined ? 'syncUrl' : 'syncKey'}`);
    else if (owners.has(syncTag)) problems.push(`${where}.syncTag: "${syncTag}" is already bidder ${owners.get(syncTag)}'s tag`);
    else owners.set((tag = syncTag), bidder);
    if (syncType !== undefined && syncUrl === undefined) problems.push(`${where}.syncType: needs syncUrl`);
    // A tag binds through the seed's signed call (a key), Prebid's /setuid (a sync URL), or both.
    const key = syncKey === undefined
      ? (syncUrl === undefined ? (problems.push(`${where}.syncKey: required with syncTag (a string or { env: 'VARIABLE_NAME' }), unless the bidder syncs through syncUrl`), undefined) : undefined)
      : readSecret(syncKey, `${where}.syncKey`, problems);
    const redirectHosts = (syncRedirectHosts ?? []).map((host) => host.toLowerCase());
    if (tag === undefined || (key === undefined && syncUrl === undefined)) continue;
    partners.set(tag, {
      bidder, tag, redirectHosts,
      ...(key === undefined ? {} : { key }),
      ...(syncUrl === undefined ? {} : { userSync: { url: syncUrl, type: syncType ?? 'redirect' } }),
    });
  }
  if (problems.length) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
  return {
    partners,
    byBidder: new Map([...partners.values()].map((partner) => [partner.bidder, partner])),
    cookie: { name: options.cookieName ?? 'rtb_uid', secret: secret!, maxAgeSeconds: (options.maxAgeDays ?? 365) * 86_400, ...(options.cookieDomain ? { domain: options.cookieDomain } : {}) },
  };
}
