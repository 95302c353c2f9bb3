import type { HtmlLink } from './html-source.js';

/**
 * What makes markup other than plain for {@link plainLinks}: a character reference or its start (`&`), NUL or CR
 * (which the tokenizer's input stream rewrites), a comment, doctype, CDATA section or bogus comment (`<!`, `<?`, `</`
 * not followed by a letter), or a tag of an element after whose start tag the tokenizer reads raw text.
 */
const NOT_PLAIN = /[&\0\r]|<[!?]|<\/[^A-Za-z]|<\/?(?:script|style|xmp|iframe|noembed|noframes|textarea|title|plaintext)/i;

const TAB = 0x09;
const LF = 0x0a;
const FF = 0x0c;
const SPACE = 0x20;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const SOLIDUS = 0x2f;
const EQUALS = 0x3d;
const GREATER_THAN = 0x3e;

const isSpace = (code: number) => code === SPACE || code === LF || code === TAB || code === FF;
const isAsciiAlpha = (code: number) => (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;

/**
 * The links of plain markup, read as the WHATWG HTML tokenizer reads them, or undefined when the markup is not plain
 * ({@link NOT_PLAIN}): the caller then runs the tokenizer. Plain markup is text and tags only, with no entity
 * to decode and no raw-text element, so that its tokens are found by the tokenizer's tag and attribute states alone,
 * which this follows (upper-case names, unquoted and single-quoted values, `/` between attributes, duplicate
 * attributes: the first counts; a tag cut off by the end of the markup is no tag). The same result as the tokenizer,
 * several times faster: most creatives are plain. For markup without foreign content and the like (html-source.ts,
 * `NEEDS_TREE`).
 */
export function plainLinks(html: string): HtmlLink[] | undefined {
  if (NOT_PLAIN.test(html)) return undefined;
  const links: HtmlLink[] = [];
  for (let at = html.indexOf('<'); at >= 0; at = html.indexOf('<', at)) {
    const endTag = html.charCodeAt(at + 1) === SOLIDUS;
    const nameStart = at + (endTag ? 2 : 1);
    if (!isAsciiAlpha(html.charCodeAt(nameStart))) {
      at++;
      continue;
    }
    const tag = readTag(html, nameStart);
    if (!tag) break;
    if (!endTag && tag.href && /^(?:a|area)$/i.test(tag.name)) {
      const { value, start, end } = tag.href;
      links.push({ tag: tag.name.length === 1 ? 'a' : 'area', href: value.trim(), attribute: { start, end, name: html.slice(start, start + 4) } });
    }
    at = tag.end;
  }
  return links;
}

interface PlainTag {
  readonly name: string;
  /** The first `href` attribute: its value, and its source span as the tokenizer reports it. */
  readonly href: { readonly value: string; readonly start: number; readonly end: number } | undefined;
  /** Just past the tag's `>`. */
  readonly end: number;
}

/** The tag whose name starts at `i`, or undefined when the markup ends inside it. */
function readTag(html: string, i: number): PlainTag | undefined {
  const length = html.length;
  const nameStart = i;
  while (i < length && !isSpace(html.charCodeAt(i)) && html.charCodeAt(i) !== SOLIDUS && html.charCodeAt(i) !== GREATER_THAN) i++;
  const name = html.slice(nameStart, i);
  let href: PlainTag['href'];
  for (;;) {
    // Before an attribute name: a `/` not followed by `>` separates attributes like a space does.
    while (i < length && (isSpace(html.charCodeAt(i)) || (html.charCodeAt(i) === SOLIDUS && html.charCodeAt(i + 1) !== GREATER_THAN))) i++;
    if (i >= length) return undefined;
    if (html.charCodeAt(i) === SOLIDUS) i++;
    if (html.charCodeAt(i) === GREATER_THAN) return { name, href, end: i + 1 };
    // The attribute name: its first character may be `=`; `"`, `'` and `<` belong to it.
    const attrStart = i++;
    while (i < length && !isSpace(html.charCodeAt(i)) && html.charCodeAt(i) !== SOLIDUS && html.charCodeAt(i) !== GREATER_THAN && html.charCodeAt(i) !== EQUALS) i++;
    const isHref = href === undefined && i - attrStart === 4 && /^href$/i.test(html.slice(attrStart, i));
    // Without a value, the attribute ends with its name.
    let attrEnd = i;
    let value = '';
    let afterName = i;
    while (afterName < length && isSpace(html.charCodeAt(afterName))) afterName++;
    if (html.charCodeAt(afterName) === EQUALS) {
      i = afterName + 1;
      while (i < length && isSpace(html.charCodeAt(i))) i++;
      if (i >= length) return undefined;
      const quote = html.charCodeAt(i);
      if (quote === QUOTE || quote === APOSTROPHE) {
        const close = html.indexOf(quote === QUOTE ? '"' : "'", i + 1);
        if (close < 0) return undefined;
        value = html.slice(i + 1, close);
        i = attrEnd = close + 1;
      } else if (quote !== GREATER_THAN) {
        const valueStart = i;
        while (i < length && !isSpace(html.charCodeAt(i)) && html.charCodeAt(i) !== GREATER_THAN) i++;
        value = html.slice(valueStart, i);
        attrEnd = i;
      }
    } else {
      i = afterName;
    }
    if (isHref) href = { value, start: attrStart, end: attrEnd };
  }
}
