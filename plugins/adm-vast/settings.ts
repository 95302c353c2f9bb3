import { type ConfigKeys, type RtbConfig, RtbStartupError, z } from '../../core/index.js';

/** Where a per-site or per-bidder `maxWrapperDepth` may be written, relative to the site or bidder. */
const DEPTH_KEYS = {
  bidder: [['maxWrapperDepth'], ['vast', 'maxWrapperDepth']],
  site: [['maxWrapperDepth'], ['vast', 'maxWrapperDepth']],
} as const;

/**
 * The top-level `vast` section, the plugin's options: VAST wrapper chains (T7), checked in `bidValidate`: a chain
 * of more than `maxWrapperDepth` Wrappers (VAST 4.3 §2.3.5.1 suggests 5; overridable per site and per bidder)
 * discards the bid. Each wrapped document is fetched within `wrapperTimeoutMs` (whole chain; always within the
 * auction deadline and the hook budget), never from a private or loopback address unless `allowPrivateNetworks`;
 * fetched documents are reused for `cacheTtlMs`. No VAST document, a bid's own markup or a wrapped one, may exceed
 * `maxDocumentBytes`.
 */
export const VAST_SECTION = z.object({
  maxWrapperDepth: z.int().min(0).max(20).default(5),
  wrapperTimeoutMs: z.int().positive().optional(),
  allowPrivateNetworks: z.boolean().default(false),
  maxDocumentBytes: z.int().positive().default(256 * 1024),
  cacheTtlMs: z.int().min(0).default(30_000),
});

/** The validated `vast` section. */
export type VastSection = z.output<typeof VAST_SECTION>;

/**
 * The keys a site or a bidder may override `vast.maxWrapperDepth` with (declared to the core; {@link readDepthOverrides}
 * reads them): `maxWrapperDepth`, or `vast: { maxWrapperDepth }`.
 */
const DEPTH_PROBLEM = 'must be an integer from 0 to 20';
const depth = z.int(DEPTH_PROBLEM).min(0, DEPTH_PROBLEM).max(20, DEPTH_PROBLEM);
export const DEPTH_OVERRIDE_KEYS = { maxWrapperDepth: depth, vast: z.strictObject({ maxWrapperDepth: depth }) };

/** What `adm-vast` reads from config (declared to the core): the `vast` section, and the depth overrides of sites and bidders. */
export const VAST_CONFIG_KEYS = { section: 'vast', options: VAST_SECTION, site: DEPTH_OVERRIDE_KEYS, bidder: DEPTH_OVERRIDE_KEYS } satisfies ConfigKeys;

/** The `maxWrapperDepth` overrides read from config, by site id and by bidder name. */
export interface DepthOverrides {
  readonly bySite: ReadonlyMap<string, number>;
  readonly byBidder: ReadonlyMap<string, number>;
}

function readOverride(owner: Record<string, unknown>, paths: ReadonlyArray<readonly string[]>, at: string, problems: string[]): number | undefined {
  const found: Array<{ key: string; value: number }> = [];
  for (const path of paths) {
    let value: unknown = owner;
    for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (value === undefined) continue;
    const key = `${at}.${path.join('.')}`;
    const parsed = depth.safeParse(value);
    if (parsed.success) found.push({ key, value: parsed.data });
    else problems.push(`${key}: ${DEPTH_PROBLEM}`);
  }
  if (new Set(found.map((entry) => entry.value)).size > 1) problems.push(`${found.map((entry) => entry.key).join(', ')}: give maxWrapperDepth once`);
  return found[0]?.value;
}

/**
 * Reads the per-site (`sites.ID.maxWrapperDepth` or `sites.ID.vast.maxWrapperDepth`; not under `video`,
 * whose keys are sent to bidders in `imp.video`) and per-bidder (`bidders.NAME.maxWrapperDepth` or
 * `bidders.NAME.vast.maxWrapperDepth`) overrides of `vast.maxWrapperDepth`, once at start-up.
 * Throws {@link RtbStartupError} naming every bad key.
 */
export function readDepthOverrides(config: RtbConfig): DepthOverrides {
  const problems: string[] = [];
  const bySite = new Map<string, number>();
  const byBidder = new Map<string, number>();
  for (const [id, site] of Object.entries(config.sites)) {
    const depth = readOverride(site, DEPTH_KEYS.site, `sites.${id}`, problems);
    if (depth !== undefined) bySite.set(id, depth);
  }
  for (const [name, bidder] of Object.entries(config.bidders)) {
    const depth = readOverride(bidder, DEPTH_KEYS.bidder, `bidders.${name}`, problems);
    if (depth !== undefined) byBidder.set(name, depth);
  }
  if (problems.length) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
  return { bySite, byBidder };
}

/**
 * The wrapper depth allowed for one bid: each override (site, bidder) replaces `vast.maxWrapperDepth`; when
 * both are set, the stricter one applies (the site's player and the bidder's agreement must both hold).
 */
export function allowedDepth(global: number, overrides: DepthOverrides, site: string | undefined, bidder: string): number {
  const set = [site === undefined ? undefined : overrides.bySite.get(site), overrides.byBidder.get(bidder)].filter((value): value is number => value !== undefined);
  return set.length ? Math.min(...set) : global;
}
