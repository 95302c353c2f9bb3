import {
  defaultTreeAdapter,
  parse,
  Tokenizer,
  TokenizerMode,
  type DefaultTreeAdapterMap,
  type DefaultTreeAdapterTypes,
  type Token,
  type TokenHandler,
  type TreeAdapter,
} from 'parse5';

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

/** The inside of an explicit `<body>…</body>` in the source: [contentStart, contentEnd). */
export interface HtmlBody {
  readonly contentStart: number;
  readonly contentEnd: number;
}

/** The tokenizer state the tree builder switches to after these HTML start tags (scripting disabled, as below). */
const TEXT_STATES: ReadonlyMap<string, Tokenizer['state']> = new Map<string, Tokenizer['state']>([
  ['script', TokenizerMode.SCRIPT_DATA],
  ['style', TokenizerMode.RAWTEXT],
  ['xmp', TokenizerMode.RAWTEXT],
  ['iframe', TokenizerMode.RAWTEXT],
  ['noembed', TokenizerMode.RAWTEXT],
  ['noframes', TokenizerMode.RAWTEXT],
  ['textarea', TokenizerMode.RCDATA],
  ['title', TokenizerMode.RCDATA],
  ['plaintext', TokenizerMode.PLAINTEXT],
]);

/**
 * Markup in which the tree builder does more to links than the tokenizer plus {@link TEXT_STATES} can tell:
 * foreign content (an `<a>` inside `<svg>` / `<math>` is no HTML link, `<![CDATA[` and `<style>` read differently
 * there), and the insertion modes that drop start tags, `<script>` and `<a>` included: in `<select>`, in
 * `<frameset>`, and in a `<template>` whose contents start with `<col>`. Such markup takes the full parser.
 */
const NEEDS_TREE = /<(?:svg|math|select|frameset|template)/i;

/**
 * The links in `html`, in source order, read with the WHATWG HTML tokenizer (parse5's, with source positions), so
 * that every position refers to the markup as written and every href reads as a browser reads it (entities,
 * upper-case tags and attribute names, single-quoted and unquoted values). The tree builder's only effect on
 * which `<a>`/`<area>` start tags are tags at all is the tokenizer state it sets after a raw-text element's start
 * tag (`<script>`, `<style>`, `<textarea>`, `<title>`, …), and that is done here too, so a link written inside a
 * script is text, as in a browser; markup where the tree builder does more ({@link NEEDS_TREE}) is read with the
 * full parser instead. Links inside tables, `<template>` and `<noscript>` are found (the latter read as markup, as
 * a browser without scripts would); links written by scripts at run time are not. Without an `<a` anywhere
 * (case-insensitive; `<area` starts with it) there is no link and nothing is parsed.
 */
export function htmlLinks(html: string): HtmlLink[] {
  if (!/<a/i.test(html)) return [];
  if (NEEDS_TREE.test(html)) return linksFromTree(html);
  const collector = new LinkCollector(html);
  collector.tokenizer.write(html, true);
  return collector.links;
}

/**
 * The inside of the markup's explicit `<body>…</body>`, when it is a whole document: read with the full parser
 * (the tree builder decides which `<body>` start and end tags the body element has), only when both are written.
 */
export function htmlBody(html: string): HtmlBody | undefined {
  if (!/<body/i.test(html) || !/<\/body/i.test(html)) return undefined;
  let body: HtmlBody | undefined;
  walk(parseWithLocations(html), (element) => {
    const location = element.sourceCodeLocation;
    if (element.tagName === 'body' && location?.startTag && location.endTag && !body) {
      body = { contentStart: location.startTag.endOffset, contentEnd: location.endTag.startOffset };
    }
  });
  return body;
}

/** Collects `<a href>` / `<area href>` start tags from the tokenizer, switching it into raw-text states as the tree builder would. */
class LinkCollector implements TokenHandler {
  readonly links: HtmlLink[] = [];
  readonly tokenizer = new Tokenizer({ sourceCodeLocationInfo: true }, this);

  constructor(private readonly html: string) {}

  onStartTag(token: Token.TagToken): void {
    const name = token.tagName;
    if (name === 'a' || name === 'area') {
      pushLink(name, token.attrs, token.location?.attrs?.href, this.html, this.links);
      return;
    }
    const state = TEXT_STATES.get(name);
    if (state !== undefined) this.tokenizer.state = state;
  }

  onEndTag(): void {}
  onComment(): void {}
  onDoctype(): void {}
  onEof(): void {}
  onCharacter(): void {}
  onNullCharacter(): void {}
  onWhitespaceCharacter(): void {}
}

function pushLink(tag: 'a' | 'area', attrs: readonly Token.Attribute[], location: Token.Location | undefined, html: string, links: HtmlLink[]): void {
  const href = attrs.find((attr) => attr.name === 'href' && !attr.prefix);
  if (!href || !location) return;
  const name = html.slice(location.startOffset, location.startOffset + 'href'.length);
  links.push({ tag, href: href.value.trim(), attribute: { start: location.startOffset, end: location.endOffset, name } });
}

/** The links as the full parser builds them: HTML-namespace `<a>`/`<area>` elements, `<template>` contents included. */
function linksFromTree(html: string): HtmlLink[] {
  const links: HtmlLink[] = [];
  walk(parseWithLocations(html), (element) => {
    if (element.tagName !== 'a' && element.tagName !== 'area') return;
    if (element.namespaceURI !== 'http://www.w3.org/1999/xhtml') return;
    pushLink(element.tagName, element.attrs, element.sourceCodeLocation?.attrs?.href, html, links);
  });
  // The tree builder clones misnested formatting elements (`<p><a href>x</p>y` makes two `a`s from one start tag):
  // one link per attribute written.
  links.sort((a, b) => a.attribute.start - b.attribute.start);
  return links.filter((link, i) => i === 0 || link.attribute.start !== links[i - 1].attribute.start);
}

/** The elements whose source positions the full parser's readers use. */
const LOCATED = new Set(['a', 'area', 'body']);

/**
 * The default tree adapter, but keeping source positions only for {@link LOCATED} elements, and updating them in
 * place: the default one records a position for every node and copies an element's whole location (attribute
 * positions included) at each update: about a third of a full parse of an 11 KB banner.
 */
const positionsAdapter: TreeAdapter<DefaultTreeAdapterMap> = {
  ...defaultTreeAdapter,
  setNodeSourceCodeLocation(node, location) {
    // Element locations are new objects (the parser's), or null.
    if (defaultTreeAdapter.isElementNode(node)) node.sourceCodeLocation = LOCATED.has(node.tagName) ? location : null;
  },
  updateNodeSourceCodeLocation(node, end) {
    const location = defaultTreeAdapter.isElementNode(node) ? node.sourceCodeLocation : null;
    if (location) Object.assign(location, end);
  },
};

function parseWithLocations(html: string): DefaultTreeAdapterTypes.Document {
  return parse(html, { sourceCodeLocationInfo: true, scriptingEnabled: false, treeAdapter: positionsAdapter });
}

/** Visits every element, the contents of `<template>` elements included. */
function walk(node: Node, visit: (element: Element) => void): void {
  if ('tagName' in node) {
    visit(node);
    // Only an HTML `<template>` has contents: an SVG or MathML `template` is an ordinary element.
    const { content } = node as Partial<DefaultTreeAdapterTypes.Template>;
    if (node.tagName === 'template' && content) walk(content, visit);
  }
  if ('childNodes' in node) for (const child of node.childNodes) walk(child, visit);
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
