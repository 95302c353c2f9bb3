import { type PluginScope, RtbStartupError } from '../../core/index.js';
import { SYNC_TAG } from './identity-cookie.js';

/**
 * A secret as written in config: the value itself (`'s3cret'`), or `{ env: 'NAME' }` to read it from the
 * environment variable NAME once, at start-up.
 */
export type SecretSource = string | { readonly env: string };

/** A bidder that may bind data to browsers: its sync tag and signing key (config `syncTag`, `syncKey`). */
export interface SyncPartner {
  readonly bidder: string;
  readonly tag: string;
  readonly key: string;
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
  readonly cookie: CookieSettings;
}

const OPTIONS = ['cookieSecret', 'cookieName', 'cookieDomain', 'maxAgeDays'];
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const DOMAIN = /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
const MIN_COOKIE_SECRET = 16;

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

/** `syncRedirectHosts`: absent (none), or a list of host names (`.example.com`: its subdomains too). */
function readRedirectHosts(value: unknown, at: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((host) => typeof host === 'string' && DOMAIN.test(host))) {
    problems.push(`${at}: must be a list of host names (e.g. ['sync.dsp.example', '.dsp.example'])`);
    return [];
  }
  return value.map((host: string) => host.toLowerCase());
}

/**
 * Reads and checks the plugin's options and every bidder's `syncTag`/`syncKey`. Throws one
 * {@link RtbStartupError} listing every problem, each naming its config key.
 */
export function readSettings(scope: PluginScope): UserSyncSettings {
  const problems: string[] = [];
  const at = `plugins[${scope.name}].options`;
  const { options } = scope;
  for (const key of Object.keys(options)) if (!OPTIONS.includes(key)) problems.push(`${at}.${key}: unknown option (known: ${OPTIONS.join(', ')})`);

  const secret = options.cookieSecret === undefined
    ? (problems.push(`${at}.cookieSecret: required (a string or { env: 'VARIABLE_NAME' }) to sign the identity cookie`), undefined)
    : readSecret(options.cookieSecret, `${at}.cookieSecret`, problems);
  if (secret !== undefined && secret.length < MIN_COOKIE_SECRET) problems.push(`${at}.cookieSecret: must be at least ${MIN_COOKIE_SECRET} characters`);
  const name = options.cookieName ?? 'rtb_uid';
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) problems.push(`${at}.cookieName: must be 1–64 letters, digits, '-' or '_'`);
  const domain = options.cookieDomain;
  if (domain !== undefined && (typeof domain !== 'string' || !DOMAIN.test(domain))) problems.push(`${at}.cookieDomain: not a domain name`);
  const days = options.maxAgeDays ?? 365;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 400) problems.push(`${at}.maxAgeDays: must be a whole number of days from 1 to 400`);

  const partners = new Map<string, SyncPartner>();
  const owners = new Map<string, string>();
  for (const [bidder, config] of Object.entries(scope.config.bidders)) {
    const { syncTag, syncKey, syncRedirectHosts } = config as { syncTag?: unknown; syncKey?: unknown; syncRedirectHosts?: unknown };
    if (syncTag === undefined && syncKey === undefined) continue;
    const where = `bidders.${bidder}`;
    let tag: string | undefined;
    if (syncTag === undefined) problems.push(`${where}.syncTag: required with syncKey`);
    else if (typeof syncTag !== 'string' || !SYNC_TAG.test(syncTag)) problems.push(`${where}.syncTag: must be 1–32 letters, digits, '-' or '_'`);
    else if (owners.has(syncTag)) problems.push(`${where}.syncTag: "${syncTag}" is already bidder ${owners.get(syncTag)}'s tag`);
    else owners.set((tag = syncTag), bidder);
    const key = syncKey === undefined
      ? (problems.push(`${where}.syncKey: required with syncTag (a string or { env: 'VARIABLE_NAME' })`), undefined)
      : readSecret(syncKey, `${where}.syncKey`, problems);
    const redirectHosts = readRedirectHosts(syncRedirectHosts, `${where}.syncRedirectHosts`, problems);
    if (tag !== undefined && key !== undefined) partners.set(tag, { bidder, tag, key, redirectHosts });
  }
  if (problems.length) throw new RtbStartupError('RTB_ERR_USER_SYNC', problems);
  return {
    partners,
    cookie: { name: name as string, secret: secret!, maxAgeSeconds: (days as number) * 86_400, ...(domain ? { domain: domain as string } : {}) },
  };
}
