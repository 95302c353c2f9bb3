import type { BidRequest, Imp } from '../openrtb/types.js';
import { withFields, withoutFields } from '../with-fields.js';

/**
 * Which bidders a caller asked for, imp by imp, with each one's params: Prebid's `imp[].ext.prebid.bidder.<code>`
 * (Prebid Server's routing). Bidder → imp id → params.
 */
export type BidderRouting = ReadonlyMap<string, ReadonlyMap<string, unknown>>;

/** What a request's routing says: the bidders it names (none: every bidder, as without Prebid), and names no bidder has. */
export interface RoutingReading {
  readonly routing: BidderRouting | undefined;
  /** Codes the request names that are not bidders of this exchange (reported to the caller, asked of no one). */
  readonly unknown: readonly string[];
  /** A malformed `ext.prebid.bidder`, as the field and the problem (a `400`). */
  readonly problem?: { readonly field: string; readonly message: string };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `imp[].ext.prebid.bidder` against the exchange's bidders (`known`). */
export function readBidderRouting(request: BidRequest, known: ReadonlySet<string>): RoutingReading {
  const routing = new Map<string, Map<string, unknown>>();
  const unknown = new Set<string>();
  let named = false;
  for (const [i, imp] of request.imp.entries()) {
    const prebid = (imp.ext as { prebid?: unknown } | undefined)?.prebid;
    const bidders = isObject(prebid) ? prebid.bidder : undefined;
    if (bidders === undefined) continue;
    if (!isObject(bidders)) return { routing: undefined, unknown: [], problem: { field: `imp[${i}].ext.prebid.bidder`, message: 'must be an object: bidder code → params' } };
    named = true;
    for (const [code, params] of Object.entries(bidders)) {
      if (!known.has(code)) {
        unknown.add(code);
        continue;
      }
      let imps = routing.get(code);
      if (!imps) routing.set(code, (imps = new Map()));
      imps.set(imp.id, params);
    }
  }
  return { routing: named ? routing : undefined, unknown: [...unknown] };
}

/**
 * The imps one routed bidder is offered: those that name it, each with its own params in `ext.bidder` (as Prebid
 * Server sends them) and without `ext.prebid.bidder`, so that no bidder sees another's params.
 */
export function routedImps(imps: readonly Imp[], params: ReadonlyMap<string, unknown>): Imp[] {
  // A loop and field-by-field copies: this runs per bidder per imp, and flatMap, rest patterns and spreads cost 6×.
  const routed: Imp[] = [];
  for (const imp of imps) if (params.has(imp.id)) routed.push(withFields(imp, { ext: routedExt(imp.ext, params.get(imp.id)) }));
  return routed;
}

/** An imp's `ext` for one routed bidder: its params as `bidder`; `prebid` without `bidder`, and left out once empty. */
function routedExt(ext: unknown, params: unknown): Record<string, unknown> {
  if (!isObject(ext)) return { bidder: params };
  const routed: Record<string, unknown> = withoutFields(ext, ['prebid', 'bidder']);
  if (isObject(ext.prebid)) {
    const ownPrebid = withoutFields(ext.prebid, ['bidder']);
    if (Object.keys(ownPrebid).length > 0) routed.prebid = ownPrebid;
  }
  routed.bidder = params;
  return routed;
}
