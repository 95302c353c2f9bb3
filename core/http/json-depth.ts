/**
 * The deepest JSON nesting the exchange reads, inbound requests and bidder answers alike. Deeper documents parse
 * (V8's parser does not recurse), but writing such a value back (to a bidder, a log line) overflows the stack, so
 * they are refused right after the parse. OpenRTB needs a depth of about 10.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests arrays and objects deeper than `max` (the value itself counts as 1). The walk
 * stops at the limit, so it never recurses deeper than `max` whatever the value: for a usual bid answer a few dozen
 * nodes, about as fast as the parse is per node.
 */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeperThan(item, max - 1)) return true;
    return false;
  }
  for (const key in value) if (nestsDeeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  return false;
}
