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

/** A bid's markup type: its `mtype`, or the imp's only media type when the bid has none (OpenRTB 2.5 bids). */
export function markupTypeOf(request: BidRequest, impid: unknown, mtype: unknown): number | undefined {
  if (typeof mtype === 'number') return mtype;
  const imp = request.imp.find((i) => i.id === impid);
  const offered = imp ? offeredMarkupTypes(imp) : [];
  return offered.length === 1 ? offered[0] : undefined;
}
