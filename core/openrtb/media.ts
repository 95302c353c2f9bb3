import { MarkupType, type BidRequest, type Imp } from './types.js';

/** The markup types (`bid.mtype` values) an imp offers, from its banner / video / audio / native objects. */
export function offeredMarkupTypes(imp: Imp): number[] {
  const types: number[] = [];
  if (imp.banner) types.push(MarkupType.banner);
  if (imp.video) types.push(MarkupType.video);
  if (imp.audio) types.push(MarkupType.audio);
  if (imp.native) types.push(MarkupType.native);
  return types;
}

/** Whether an imp offers the markup type `mtype` (one of {@link offeredMarkupTypes}, without making the list: every bid asks). */
export function offersMarkupType(imp: Imp, mtype: number): boolean {
  switch (mtype) {
    case MarkupType.banner: return Boolean(imp.banner);
    case MarkupType.video: return Boolean(imp.video);
    case MarkupType.audio: return Boolean(imp.audio);
    case MarkupType.native: return Boolean(imp.native);
    default: return false;
  }
}

const NON_BLANK = /\S/;

/** Markup with something in it: a string with a non-blank character (the test stops at the first; `trim()` would copy the whole adm, a VAST document, for every bid). */
export function hasMarkup(adm: unknown): adm is string {
  return typeof adm === 'string' && NON_BLANK.test(adm);
}

/** A bid's markup type: its `mtype`, or the imp's only media type when the bid has none (OpenRTB 2.5 bids). */
export function markupTypeOf(request: BidRequest, impid: unknown, mtype: unknown): number | undefined {
  if (typeof mtype === 'number') return mtype;
  for (const imp of request.imp) {
    if (imp.id !== impid) continue;
    const offered = offeredMarkupTypes(imp);
    return offered.length === 1 ? offered[0] : undefined;
  }
  return undefined;
}
