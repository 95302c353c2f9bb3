/** The last text {@link isHttpUrl} accepted: a rewriter checks a link, then the tracker URLs check it again. */
let lastAccepted: string | undefined;

/** Whether `text` is an absolute http(s) URL: the only destinations a click tracker ever redirects to. */
export function isHttpUrl(text: string): boolean {
  if (text === lastAccepted) return true;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  } catch {
    return false;
  }
  lastAccepted = text;
  return true;
}
