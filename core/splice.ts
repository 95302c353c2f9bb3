/** A replacement of source text [start, end) by `text` (an insertion when start = end). */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Applies non-overlapping splices to `text`, in source order; every byte outside them stays as it was, or goes
 * through `between` (the VAST rewriter expands macros there, so that its own insertions are left alone). The
 * markup rewriters (HTML links, VAST trackers) edit this way so a bidder's markup is never re-serialized.
 */
export function applySplices(text: string, splices: readonly Splice[], between: (source: string) => string = unchanged): string {
  const ordered = [...splices].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const splice of ordered) {
    out += between(text.slice(at, splice.start)) + splice.text;
    at = splice.end;
  }
  return out + between(text.slice(at));
}

const unchanged = (source: string) => source;
