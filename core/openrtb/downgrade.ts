import type { BidRequest } from './types.js';

/** The OpenRTB versions a bidder may speak. */
export type OpenRtbVersion = '2.5' | '2.6';

/** 2.6 fields that 2.5 carried under `ext` of the same object: [object path, field]. */
const MOVED_TO_EXT: ReadonlyArray<readonly [string, string]> = [
  ['regs', 'gdpr'],
  ['regs', 'us_privacy'],
  ['user', 'consent'],
  ['user', 'eids'],
  ['source', 'schain'],
];

/** 2.6-only fields that a 2.5 bidder has no place for: [object path, field]. */
const DROPPED: ReadonlyArray<readonly [string, string]> = [
  ['', 'wlangb'],
  ['', 'cattax'],
  ['regs', 'gpp'],
  ['regs', 'gpp_sid'],
  ['device', 'sua'],
  ['user', 'kwarray'],
  ['site', 'cattax'],
  ['site', 'kwarray'],
  ['app', 'cattax'],
  ['app', 'kwarray'],
];

/** Imp-level 2.6-only fields. */
const DROPPED_IMP = ['rwdd', 'ssai', 'qty', 'dt', 'refresh'] as const;
const DROPPED_VIDEO = ['plcmt', 'podid', 'podseq', 'rqddurs', 'slotinpod', 'mincpmpersec', 'maxseq', 'poddur'] as const;

type Obj = Record<string, unknown>;

/**
 * Rewrites a canonical 2.6 request for a bidder that speaks 2.5: fields 2.5 kept under `ext` move back
 * there, 2.6-only fields are dropped. Returns a new object; the canonical request is not touched.
 */
export function downgradeTo25(request: BidRequest): BidRequest {
  const out: Obj = { ...request };
  const objectAt = (path: string): Obj | undefined => (path === '' ? out : (out[path] as Obj | undefined));
  const copied = new Set<string>();
  const writable = (path: string): Obj | undefined => {
    if (path === '') return out;
    if (!objectAt(path)) return undefined;
    if (!copied.has(path)) { out[path] = { ...(out[path] as Obj) }; copied.add(path); }
    return out[path] as Obj;
  };
  for (const [path, field] of MOVED_TO_EXT) {
    const source = objectAt(path);
    if (source?.[field] === undefined) continue;
    const target = writable(path)!;
    target.ext = { ...(target.ext as Obj | undefined), [field]: target[field] };
    delete target[field];
  }
  for (const [path, field] of DROPPED) {
    if (objectAt(path)?.[field] !== undefined) delete writable(path)![field];
  }
  out.imp = request.imp.map((imp) => {
    const copy: Obj = { ...imp };
    for (const field of DROPPED_IMP) delete copy[field];
    for (const media of ['video', 'audio'] as const) {
      if (!imp[media]) continue;
      const video: Obj = { ...imp[media] };
      for (const field of DROPPED_VIDEO) delete video[field];
      copy[media] = video;
    }
    return copy;
  });
  return out as BidRequest;
}
