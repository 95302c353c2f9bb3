import { parse, type DefaultTreeAdapterTypes } from 'parse5';

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

/** A link the page would follow on a click: an `<a href>` or `<area href>`, with where its attribute is written. */
export interface HtmlLink {
  readonly tag: 'a' | 'area';
  /** The href as the browser reads it: entities decoded, surrounding whitespace trimmed. */
  readonly href: string;
  /** The whole `href=…` attribute in the source: [start, end) and its name as written (`HREF`, `href`). */
  readonly attribute: { readonly start: number; readonly end: number; readonly name: string };
}

/** What the rewriters need to know about a piece of HTML markup, with positions in its source text. */
export interface HtmlOutline {
  readonly links: readonly HtmlLink[];
  /** The inside of an explicit `<body>…</body>`, when the markup is a whole document. */
  readonly body?: { readonly contentStart: number; readonly contentEnd: number };
}

/** A replacement of source text [start, end) by `text`. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Reads markup with a real HTML parser (parse5, the WHATWG algorithm, with source positions), so that every
 * position refers to the markup as written: links inside tables, `<template>` and `<noscript>` are found (the
 * latter parsed as markup, as a browser without scripts would), links written by scripts are not.
 */
export function outlineHtml(html: string): HtmlOutline {
  const document = parse(html, { sourceCodeLocationInfo: true, scriptingEnabled: false });
  const links: HtmlLink[] = [];
  let body: HtmlOutline['body'];
  const visit = (node: Node): void => {
    if ('tagName' in node) {
      collectLink(node, html, links);
      if (node.tagName === 'body' && node.sourceCodeLocation?.startTag && node.sourceCodeLocation.endTag && !body) {
        body = { contentStart: node.sourceCodeLocation.startTag.endOffset, contentEnd: node.sourceCodeLocation.endTag.startOffset };
      }
      if (node.tagName === 'template') visit((node as DefaultTreeAdapterTypes.Template).content);
    }
    if ('childNodes' in node) for (const child of node.childNodes) visit(child);
  };
  visit(document);
  links.sort((a, b) => a.attribute.start - b.attribute.start);
  return { links, body };
}

function collectLink(element: Element, html: string, links: HtmlLink[]): void {
  if (element.tagName !== 'a' && element.tagName !== 'area') return;
  if (element.namespaceURI !== 'http://www.w3.org/1999/xhtml') return;
  const href = element.attrs.find((attr) => attr.name === 'href' && !attr.prefix);
  const location = element.sourceCodeLocation?.attrs?.href;
  if (!href || !location) return;
  const name = html.slice(location.startOffset, location.startOffset + 'href'.length);
  links.push({ tag: element.tagName, href: href.value.trim(), attribute: { start: location.startOffset, end: location.endOffset, name } });
}

/** Applies non-overlapping splices to `text`; every byte outside them stays as it was. */
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

/** Text safe inside a double-quoted HTML attribute value. */
export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/** Whether `href` is an absolute http(s) URL (the links a click strategy may send through the exchange). */
export function isHttpUrl(href: string): boolean {
  if (!/^https?:\/\//i.test(href)) return false;
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
