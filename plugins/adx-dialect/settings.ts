import { type BidderConfig, type ConfigKeys, RtbStartupError, z } from '../../core/index.js';
import { loadDictionary, resolveDictionaryIds, type AdxDictionary } from './dictionaries.js';
import type { Int64 } from './proto.js';

/** The dictionary files a bidder's config may name (`bidders.NAME.dictionaries`), in Google's `<id> <name>` format. */
export const DICTIONARY_KEYS = ['creativeAttributes', 'sensitiveCategories', 'vendors'] as const;

/** A dictionary key: `creativeAttributes` (creative-attributes.txt), `sensitiveCategories` (ad-sensitive-categories.txt), `vendors` (vendors.txt). */
export type DictionaryKey = (typeof DICTIONARY_KEYS)[number];

/**
 * The AdX concepts the canonical OpenRTB request has no place for, read once at start-up from the bidder's
 * config (`bidders.NAME.adx`), names resolved to ids through its dictionaries. Every ad slot sent to the
 * bidder carries them.
 */
export interface AdxSettings {
  /** The bidder's pretargeting adgroup ids (int64, decimal): one `matching_ad_data` each. */
  readonly adgroups: readonly Int64[];
  /** `excluded_attribute` of every slot (creative-attributes.txt ids). */
  readonly excludedAttributes: readonly number[];
  /** `excluded_sensitive_category` of every slot (ad-sensitive-categories.txt ids). */
  readonly excludedSensitiveCategories: readonly number[];
  /** `allowed_vendor_type` of every slot (vendors.txt ids); a declared vendor outside it is filtered. */
  readonly allowedVendorTypes: readonly number[];
  /** The loaded dictionaries, by key. */
  readonly dictionaries: Readonly<Partial<Record<DictionaryKey, AdxDictionary>>>;
}

const INT64_MAX = 2n ** 63n - 1n;

function readAdgroups(value: unknown, at: string, problems: string[]): Int64[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${at}: must be an array of adgroup ids`);
    return [];
  }
  const ids: Int64[] = [];
  value.forEach((entry, i) => {
    const text = typeof entry === 'number' && Number.isSafeInteger(entry) ? String(entry) : typeof entry === 'string' ? entry.trim() : '';
    if (!/^\d+$/.test(text) || BigInt(text) <= 0n || BigInt(text) > INT64_MAX) {
      problems.push(`${at}.${i}: an adgroup id is a positive 64-bit integer (number or decimal string)`);
      return;
    }
    const id = BigInt(text).toString();
    if (ids.includes(id)) problems.push(`${at}.${i}: duplicate adgroup id ${id}`);
    else ids.push(id);
  });
  return ids;
}

/**
 * The bidder keys the `adx` dialect reads (declared to the core): `adx`, `dictionaries` and `priceEncryption`.
 * Their values are checked by {@link readAdxSettings} and `parsePriceKeys`, whose messages name each inner key.
 */
export const ADX_BIDDER_KEYS = { bidder: { adx: z.unknown(), dictionaries: z.unknown(), priceEncryption: z.unknown() } } satisfies ConfigKeys;

/**
 * Reads `bidders.NAME.adx` and `bidders.NAME.dictionaries`; throws {@link RtbStartupError} listing every bad
 * key (unknown key, unreadable dictionary, unknown name, bad id).
 */
export function readAdxSettings(name: string, config: BidderConfig): AdxSettings {
  const problems: string[] = [];
  const at = `bidders.${name}`;
  const objectAt = (value: unknown, key: string, what: string): Record<string, unknown> => {
    if (value === undefined) return {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${at}.${key}: must be ${what}`);
    return {};
  };
  const adx = objectAt(config.adx, 'adx', 'an object');
  const files = objectAt(config.dictionaries, 'dictionaries', 'an object of file paths');
  const known = ['adgroups', 'excludedAttributes', 'excludedSensitiveCategories', 'allowedVendorTypes'];
  for (const key of Object.keys(adx)) if (!known.includes(key)) problems.push(`${at}.adx.${key}: unknown key (known: ${known.join(', ')})`);
  const dictionaries: Partial<Record<DictionaryKey, AdxDictionary>> = {};
  for (const [key, path] of Object.entries(files)) {
    if (!(DICTIONARY_KEYS as readonly string[]).includes(key)) {
      problems.push(`${at}.dictionaries.${key}: unknown key (known: ${DICTIONARY_KEYS.join(', ')})`);
    } else if (typeof path !== 'string') {
      problems.push(`${at}.dictionaries.${key}: must be a file path`);
    } else {
      try {
        dictionaries[key as DictionaryKey] = loadDictionary(path, `${at}.dictionaries.${key}`);
      } catch (error) {
        problems.push(...(error instanceof RtbStartupError ? error.problems : [String(error)]));
      }
    }
  }
  const ids = (key: string, dictionary: DictionaryKey) => {
    const resolved = resolveDictionaryIds(adx[key], dictionaries[dictionary], `${at}.adx.${key}`, `${at}.dictionaries.${dictionary}`);
    problems.push(...resolved.problems);
    return resolved.ids;
  };
  const settings: AdxSettings = {
    adgroups: readAdgroups(adx.adgroups, `${at}.adx.adgroups`, problems),
    excludedAttributes: ids('excludedAttributes', 'creativeAttributes'),
    excludedSensitiveCategories: ids('excludedSensitiveCategories', 'sensitiveCategories'),
    allowedVendorTypes: ids('allowedVendorTypes', 'vendors'),
    dictionaries,
  };
  if (problems.length) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
  return settings;
}
