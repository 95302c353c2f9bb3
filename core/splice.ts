/** A replacement of source text [start, end) by `text` (an insertion when start = end). */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Applies non-overlapping splices to `text`, in source order; every byte outside them stays as it was. The
 * markup rewriters (HTML links, VAST trackers) edit this way so a bidder's markup is never re-serialized.
 */
export function applySplices(text: string, splices: readonly Splice[]): string {
  const ordered = [...splices].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const splice of ordered) {
    out += text.slice(at, splice.start) + splice.text;
    at = splice.end;
  }
  return out + text.slice(at);
}
