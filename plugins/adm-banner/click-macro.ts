import type { Splice } from '../../core/index.js';
import { escapeAttribute, htmlLinks, isHttpUrl } from './html-source.js';
import type { ClickMacro, MacroEncoding } from './settings.js';
import type { ClickInput, ClickOutcome, ClickStrategy } from './strategy.js';

function encode(url: string, encoding: MacroEncoding): string {
  if (encoding === 'raw') return url;
  const once = encodeURIComponent(url);
  return encoding === 'url' ? once : encodeURIComponent(once);
}

function decode(text: string, encoding: MacroEncoding): string | undefined {
  try {
    if (encoding === 'raw') return text;
    const once = decodeURIComponent(text);
    return encoding === 'url' ? once : decodeURIComponent(once);
  } catch {
    return undefined;
  }
}

/**
 * Where the exchange's click should send the user after recording it, read from the link around a click macro:
 * - a landing URL written right after the macro (`%%CLICK_URL_UNESC%%https://landing…`, or URL-encoded after an
 *   encoded macro: `?u=%%CLICK_URL_ESC%%https%3A%2F%2Flanding…`), which the macro's URL then replaces whole;
 * - otherwise the first other query parameter of the bidder's link holding an absolute http(s) URL (the seeds'
 *   `https://dsp/click?ssp_click=${CLICK_URL}&redirect=https://landing`), which the bidder's click URL keeps.
 * Without either, the exchange's click URL only records the click: the bidder's click server must then send the
 * user on to the landing page itself. A macro that starts the href is written unencoded, whatever its spelling:
 * it is the link itself there.
 */
function rewriteHref(href: string, macros: readonly ClickMacro[], clickUrl: ClickInput['clickUrl']): { href: string; count: number } {
  let out = href;
  let count = 0;
  for (const macro of macros) {
    for (let at = out.indexOf(macro.macro); at >= 0; at = out.indexOf(macro.macro, at)) {
      const after = out.slice(at + macro.macro.length);
      // A macro that starts the href is the link itself: whatever its spelling, it must be a usable URL there.
      const output: MacroEncoding = at === 0 ? 'raw' : macro.encoding;
      const raw = macro.encoding === 'raw' || at === 0 ? /^https?:\/\/\S*/i.exec(after)?.[0] : undefined;
      const encoded = raw === undefined && macro.encoding !== 'raw' ? /^https?%(?:25)?3A[^&#\s]*/i.exec(after)?.[0] : undefined;
      const appended = raw ?? encoded;
      const landing = appended === undefined ? undefined : raw !== undefined ? raw : decode(appended, macro.encoding);
      let replacement: string;
      let consumed = macro.macro.length;
      if (landing !== undefined && isHttpUrl(landing)) {
        replacement = encode(clickUrl(landing), output);
        consumed += appended!.length;
      } else {
        replacement = encode(clickUrl(landingParameter(out, macros)), output);
      }
      out = out.slice(0, at) + replacement + out.slice(at + consumed);
      at += replacement.length;
      count++;
    }
  }
  return { href: out, count };
}

/** The first query parameter of `href` whose value is an absolute http(s) URL without a click macro in it. */
function landingParameter(href: string, macros: readonly ClickMacro[]): string | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  for (const value of url.searchParams.values()) {
    if (isHttpUrl(value) && !macros.some((macro) => value.includes(macro.macro))) return value;
  }
  return undefined;
}

/** Replaces every macro in plain text (scripts, JavaScript markup) with the recording-only click URL. */
function replaceInText(text: string, macros: readonly ClickMacro[], url: string): { text: string; count: number } {
  let out = text;
  let count = 0;
  for (const macro of macros) {
    const parts = out.split(macro.macro);
    count += parts.length - 1;
    out = parts.join(encode(url, macro.encoding));
  }
  return { text: out, count };
}

/**
 * `click-macro` (T6.1, the industry standard): the bidder wrote a click macro (`${CLICK_URL}`, or one of its
 * configured `clickMacros` such as `%%CLICK_URL_ESC%%`) where the exchange's click URL goes; each occurrence
 * becomes the exchange's click URL, encoded as the macro's form requires. In a link's `href` the click URL
 * carries the landing page as its signed destination when the link names it (see `rewriteHref`), so the
 * click path is user → bidder's click URL → exchange → landing page. Cannot apply when the markup holds none
 * of the macros.
 */
export const clickMacroStrategy: ClickStrategy = {
  name: 'click-macro',
  apply(input: ClickInput): ClickOutcome {
    // Longest first, so that `%%CLICK_URL_ESC_ESC%%` is not taken for `%%CLICK_URL_ESC%%`.
    const macros = input.macros.filter((macro) => input.adm.includes(macro.macro)).sort((a, b) => b.macro.length - a.macro.length);
    if (macros.length === 0) return { applied: false, reason: 'no click macro in the markup' };
    const splices: Splice[] = [];
    let count = 0;
    if (input.format === 'html') {
      for (const link of htmlLinks(input.adm)) {
        if (!macros.some((macro) => link.href.includes(macro.macro))) continue;
        const rewritten = rewriteHref(link.href, macros, input.clickUrl);
        count += rewritten.count;
        splices.push({ start: link.attribute.start, end: link.attribute.end, text: `${link.attribute.name}="${escapeAttribute(rewritten.href)}"` });
      }
    }
    // Everything outside those links (scripts, other attributes, JavaScript markup): the recording-only URL.
    const bare = input.clickUrl();
    const ordered = [...splices].sort((a, b) => a.start - b.start);
    let adm = '';
    let at = 0;
    for (const splice of [...ordered, { start: input.adm.length, end: input.adm.length, text: '' }]) {
      const replaced = replaceInText(input.adm.slice(at, splice.start), macros, bare);
      count += replaced.count;
      adm += replaced.text + splice.text;
      at = splice.end;
    }
    return { applied: true, adm, detail: `${count} click macro(s) replaced` };
  },
};
