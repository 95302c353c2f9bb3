/**
 * The deepest JSON nesting the exchange reads, inbound requests and bidder answers alike. Deeper documents are
 * refused before they are parsed: the parse would succeed, but writing such a value back (to a bidder, a log line)
 * overflows the stack. OpenRTB needs a depth of about 10.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether the JSON text nests arrays and objects deeper than `max` (strings skipped; one pass, no parse). */
export function exceedsJsonDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92) i++; // a backslash escapes the next character
      else if (code === 34) inString = false;
    } else if (code === 34) {
      inString = true;
    } else if (code === 91 || code === 123) {
      if (++depth > max) return true;
    } else if (code === 93 || code === 125) {
      depth--;
    }
  }
  return false;
}
