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
import { isHttpUrl as isAbsoluteHttpUrl } from '../../core/index.js';
import { plainLinks } from './plain-links.js';

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

/** What one reading of markup found: its links and, for a whole document, its body. */
export interface HtmlReading {
  readonly links: HtmlLink[];
  /** The body as {@link htmlBody} reads it (`null`: none), or undefined when only the full parser can tell. */
  readonly body: HtmlBody | null | undefined;
}

/**
 * The links in `html`, in source order, read with the WHATWG HTML tokenizer (parse5's, with source positions), so
 * that every position refers to the markup as written and every href reads as a browser reads it (entities,
 * upper-case tags and attribute names, single-quoted and unquoted values). The tree builder's only effect on
 * which `<a>`/`<area>` start tags are tags at all is the tokenizer state it sets after a raw-text element's start
 * tag (`<script>`, `<style>`, `<textarea>`, `<title>`, …), and that is done here too, so a link written inside a
 * script is text, as in a browser; markup where the tree builder does more ({@link NEEDS_TREE}) is read with the
 * full parser instead. Links inside tables, `<template>` and `<noscript>` are found (the latter read as markup, as
 * a browser without scripts would); links written by scripts at run time are not. Without an `<a` anywhere
 * (case-insensitive; `<area` starts with it) there is no link and nothing is parsed; plain markup (no entity,
 * comment or raw-text element: {@link plainLinks}) is read by a scanner of the tokenizer's tag states alone.
 */
export function htmlLinks(html: string): HtmlLink[] {
  return read(html, true, false).links;
}

/**
 * The inside of the markup's explicit `<body>…</body>`, when it is a whole document, as the tree builder makes it
 * (it decides which `<body>` start and end tags the body element has), only when both are written: the start tag
 * that opened the body, and the last `</body>` the tree builder took for it. Read with the tokenizer when the
 * document is one whose body the tokenizer alone can find ({@link bodyFromTokens}), else with the full parser.
 */
export function htmlBody(html: string): HtmlBody | undefined {
  const { body } = read(html, false, true);
  return (body === undefined ? fromTree(html, false, true).body : body) ?? undefined;
}

/**
 * {@link htmlLinks} and, as far as the tokenizer can tell, {@link htmlBody} at once, in one reading of the markup:
 * the full parser is not run for the body alone.
 */
export function readHtml(html: string): HtmlReading {
  return read(html, true, true);
}

function read(html: string, wantLinks: boolean, wantBody: boolean): HtmlReading {
  const links = wantLinks && /<a/i.test(html);
  const body = wantBody && /<body/i.test(html) && /<\/body/i.test(html);
  if (!links && !body) return { links: [], body: null };
  if (NEEDS_TREE.test(html)) return fromTree(html, links, body);
  const plain = body ? undefined : plainLinks(html);
  if (plain) return { links: plain, body: null };
  const reader = new HtmlReader(html, links, body);
  reader.tokenizer.write(html, true);
  return { links: reader.links, body: reader.bodyUnsure ? undefined : reader.body() ?? null };
}

/**
 * Start tags the tree builder handles before an explicit `<body>` without creating a body element of its own
 * ("before html", "before head", "in head", "after head" insertion modes; `<noscript>` and `<template>` left out:
 * they take other modes). Anything else before `<body>` (other tags, text that is not whitespace, `</body>`,
 * `</html>`, `</br>`) makes the body implicitly, and then the tags written are not the body's.
 */
const BEFORE_BODY = new Set(['html', 'head', 'base', 'basefont', 'bgsound', 'link', 'meta', 'title', 'noframes', 'style', 'script']);
/** End tags that, before `<body>`, make the body implicitly. */
const IMPLICIT_BODY_END_TAGS = new Set(['body', 'html', 'br']);
/**
 * Start tags after which a `</body>` may not be the body's: the table insertion modes ignore it, and scope
 * boundaries (`<object>`, `<marquee>`, `<applet>`, table cells and captions) hide the body from it. Without them
 * (and without {@link NEEDS_TREE}'s foreign content, `<select>`, `<frameset>`, `<template>`), every `</body>`
 * outside raw text reaches the "in body" insertion mode with the body in scope, and the last one is the body's end.
 */
const BODY_END_UNSURE = new Set(['table', 'caption', 'colgroup', 'col', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th', 'object', 'marquee', 'applet']);

/**
 * The body of a document as {@link htmlBody} defines it, read with the tokenizer alone (switched into raw-text
 * states as the tree builder does), or `needs-tree` for a document where only the tree builder can tell: content
 * before `<body>` that makes a body implicitly, or tags after it that may keep a `</body>` from closing it
 * ({@link BEFORE_BODY}, {@link BODY_END_UNSURE}). For markup without {@link NEEDS_TREE}'s tags. Exported for tests.
 */
export function bodyFromTokens(html: string): HtmlBody | undefined | 'needs-tree' {
  const reader = new HtmlReader(html, false, true);
  reader.tokenizer.write(html, true);
  return reader.bodyUnsure ? 'needs-tree' : reader.body();
}

/**
 * The tokenizer handler that reads links (`<a href>` / `<area href>` start tags) and a document's body, switching
 * the tokenizer into raw-text states as the tree builder would.
 */
class HtmlReader implements TokenHandler {
  readonly links: HtmlLink[] = [];
  readonly tokenizer = new Tokenizer({ sourceCodeLocationInfo: true }, this);
  /** The document is one whose body only the full parser can find. */
  bodyUnsure = false;
  /** Where the explicit `<body>` start tag ends, once seen. */
  private contentStart: number | undefined;
  /** Where the last `</body>` after it starts. */
  private contentEnd: number | undefined;
  /** Inside a raw-text element (its text is no content of the document's structure). */
  private inText = false;

  constructor(
    private readonly html: string,
    private readonly wantLinks: boolean,
    private wantBody: boolean,
  ) {}

  /** The body found, when both its tags were. */
  body(): HtmlBody | undefined {
    return this.wantBody && this.contentStart !== undefined && this.contentEnd !== undefined ? { contentStart: this.contentStart, contentEnd: this.contentEnd } : undefined;
  }

  onStartTag(token: Token.TagToken): void {
    const name = token.tagName;
    if (name === 'a' || name === 'area') {
      if (this.wantLinks) pushLink(name, token.attrs, token.location?.attrs?.href, this.html, this.links);
      if (this.wantBody && this.contentStart === undefined) this.bodyIsUnsure();
      return;
    }
    if (this.wantBody) {
      if (this.contentStart === undefined) {
        if (name === 'body') this.contentStart = token.location!.endOffset;
        else if (!BEFORE_BODY.has(name)) this.bodyIsUnsure();
      } else if (BODY_END_UNSURE.has(name)) {
        this.bodyIsUnsure();
      }
    }
    const state = TEXT_STATES.get(name);
    if (state !== undefined) {
      this.tokenizer.state = state;
      this.inText = true;
    }
  }

  onEndTag(token: Token.TagToken): void {
    // In a raw-text state the tokenizer emits only the element's own end tag.
    this.inText = false;
    if (!this.wantBody) return;
    if (this.contentStart === undefined) {
      if (IMPLICIT_BODY_END_TAGS.has(token.tagName)) this.bodyIsUnsure();
    } else if (token.tagName === 'body') {
      this.contentEnd = token.location!.startOffset;
    }
  }

  onCharacter(): void {
    if (this.wantBody && this.contentStart === undefined && !this.inText) this.bodyIsUnsure();
  }

  onNullCharacter(): void {
    this.onCharacter();
  }

  onWhitespaceCharacter(): void {}
  onComment(): void {}
  onDoctype(): void {}
  onEof(): void {}

  /** Leaves the body to the full parser: stops reading unless links are wanted too. */
  private bodyIsUnsure(): void {
    this.bodyUnsure = true;
    this.wantBody = false;
    if (!this.wantLinks) this.tokenizer.pause();
  }
}

function pushLink(tag: 'a' | 'area', attrs: readonly Token.Attribute[], location: Token.Location | undefined, html: string, links: HtmlLink[]): void {
  const href = attrs.find((attr) => attr.name === 'href' && !attr.prefix);
  if (!href || !location) return;
  const name = html.slice(location.startOffset, location.startOffset + 'href'.length);
  links.push({ tag, href: href.value.trim(), attribute: { start: location.startOffset, end: location.endOffset, name } });
}

/**
 * {@link read} by the full parser: the links as it builds them (HTML-namespace `<a>`/`<area>` elements, `<template>`
 * contents included), and the first body element whose start and end tags are both written.
 */
function fromTree(html: string, wantLinks: boolean, wantBody: boolean): HtmlReading {
  const links: HtmlLink[] = [];
  let body: HtmlBody | null = null;
  walk(parseWithLocations(html), (element) => {
    const location = element.sourceCodeLocation;
    if (wantBody && element.tagName === 'body' && location?.startTag && location.endTag && !body) {
      body = { contentStart: location.startTag.endOffset, contentEnd: location.endTag.startOffset };
    }
    if (!wantLinks || (element.tagName !== 'a' && element.tagName !== 'area')) return;
    if (element.namespaceURI !== 'http://www.w3.org/1999/xhtml') return;
    pushLink(element.tagName, element.attrs, location?.attrs?.href, html, links);
  });
  // The tree builder clones misnested formatting elements (`<p><a href>x</p>y` makes two `a`s from one start tag):
  // one link per attribute written.
  links.sort((a, b) => a.attribute.start - b.attribute.start);
  return { links: links.filter((link, i) => i === 0 || link.attribute.start !== links[i - 1].attribute.start), body };
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
  // Tracker URLs, the usual value, hold neither.
  if (!value.includes('&') && !value.includes('"')) return value;
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/**
 * Whether `href` is an absolute http(s) URL (the links a click strategy may send through the exchange): the
 * tracker URLs' own check, after a quick look at the scheme.
 */
export function isHttpUrl(href: string): boolean {
  return /^https?:\/\//i.test(href) && isAbsoluteHttpUrl(href);
}
