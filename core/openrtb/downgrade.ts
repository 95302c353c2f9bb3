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

/** What a site or an app carries in 2.6 only (paths below `site` / `app`). */
const DISTRIBUTION_26 = [
  'cattax', 'kwarray', 'inventorypartnerdomain', 'publisher.cattax',
  'content.gtax', 'content.genres', 'content.cattax', 'content.langb', 'content.kwarray', 'content.network', 'content.channel',
  'content.producer.cattax', 'content.data[].cids',
];
/** What an imp's video or audio carries in 2.6 only (paths below `imp[].video` / `imp[].audio`). */
const MEDIA_26 = ['plcmt', 'podid', 'podseq', 'rqddurs', 'slotinpod', 'mincpmpersec', 'maxseq', 'poddur', 'poddedupe', 'durfloors'];

/**
 * 2.6-only fields a 2.5 bidder has no place for (OpenRTB 2.5's schema allows no other property): paths from the
 * request, `[]` for every item of an array. Checked against openrtb/openrtb2x's 2.5 JSON schema
 * (test/openrtb25-schema.test.ts).
 */
const DROPPED: ReadonlyArray<readonly string[]> = [
  'wlangb', 'cattax', 'acat', 'regs.gpp', 'regs.gpp_sid', 'device.sua', 'device.langb', 'user.kwarray', 'user.data[].cids',
  ...['site', 'app'].flatMap((distribution) => DISTRIBUTION_26.map((path) => `${distribution}.${path}`)),
  'imp[].rwdd', 'imp[].ssai', 'imp[].qty', 'imp[].dt', 'imp[].refresh',
  'imp[].pmp.deals[].guar', 'imp[].pmp.deals[].mincpmpersec', 'imp[].pmp.deals[].durfloors',
  ...['video', 'audio'].flatMap((media) => MEDIA_26.map((path) => `imp[].${media}.${path}`)),
].map((path) => path.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part])));

/** The highest protocol (`imp.video.protocols`, `imp.audio.protocols`) 2.5 knows: 11–14 came with 2.6. */
const MAX_PROTOCOL_25 = 10;

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
  let result: unknown = out;
  for (const path of DROPPED) result = withoutPath(result, path);
  const downgraded = result as Obj;
  downgraded.imp = (downgraded.imp as Obj[]).map((imp) => {
    let copy = imp;
    for (const media of ['video', 'audio'] as const) {
      const protocols = (imp[media] as { protocols?: unknown } | undefined)?.protocols;
      if (!Array.isArray(protocols)) continue;
      const known = protocols.filter((protocol) => typeof protocol !== 'number' || protocol <= MAX_PROTOCOL_25);
      if (known.length === protocols.length) continue;
      const { protocols: _all, ...rest } = imp[media] as Obj;
      copy = { ...copy, [media]: known.length ? { ...rest, protocols: known } : rest };
    }
    return copy;
  });
  return downgraded as BidRequest;
}

/** `node` without what `path` names (`[]`: in every item), copying only the objects on the way; `node` itself when absent. */
function withoutPath(node: unknown, path: readonly string[], at = 0): unknown {
  if (node === null || typeof node !== 'object') return node;
  const key = path[at]!;
  if (key === '[]') {
    if (!Array.isArray(node)) return node;
    let changed = false;
    const items = node.map((item) => {
      const next = withoutPath(item, path, at + 1);
      changed ||= next !== item;
      return next;
    });
    return changed ? items : node;
  }
  const object = node as Obj;
  if (!Object.hasOwn(object, key)) return node;
  if (at === path.length - 1) {
    const { [key]: _dropped, ...rest } = object;
    return rest;
  }
  const child = withoutPath(object[key], path, at + 1);
  return child === object[key] ? node : { ...object, [key]: child };
}
