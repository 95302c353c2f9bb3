import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { LossReason, type LossReasonCode } from '../../core/index.js';

/**
 * An element of a parsed VAST document, with its place in the source text (offsets into the document's `text`),
 * so that the rewriter can splice the exchange's trackers in and leave every other byte as the bidder wrote it.
 */
export interface VastElement {
  /** The qualified name, as written (`Ad`, `vast:Ad`). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The child elements, in document order. */
  readonly children: VastElement[];
  /** Where the start tag's `<` is. */
  readonly start: number;
  /** Just after the end tag's `>` (or the self-closing tag's `/>`). */
  end: number;
  /** Just after the start tag's `>`: where the content begins (`end` for a self-closing tag). */
  readonly contentStart: number;
  /** Where the end tag's `<` is: where the content ends (`end` for a self-closing tag). */
  contentEnd: number;
  readonly selfClosing: boolean;
  /** The element's own character data (its text and CDATA, entities decoded; not its child elements'). */
  text: string;
}

/** One `<Ad>` of a VAST document: an InLine ad, or a Wrapper pointing at another VAST document. */
export interface VastAd {
  readonly kind: 'inline' | 'wrapper';
  /** The `<InLine>` or `<Wrapper>` element. */
  readonly body: VastElement;
  /** Wrapper: the `VASTAdTagURI`, trimmed. */
  readonly tagUri?: string;
  /** Wrapper: whether the documents it points to may themselves be Wrappers (`followAdditionalWrappers`, default true). */
  readonly followAdditionalWrappers: boolean;
}

/** A parsed VAST 2.0–4.x document. Element offsets refer to `text`. */
export interface VastDocument {
  readonly text: string;
  readonly root: VastElement;
  /** The `version` attribute as written (`2.0`, `4.2`). */
  readonly version: string;
  readonly major: 2 | 3 | 4;
  readonly minor: number;
  readonly ads: readonly VastAd[];
}

/** A VAST document, or why the markup is not one this exchange accepts (with the loss reason to reject it with). */
export type VastReading =
  | { readonly ok: true; readonly doc: VastDocument }
  | { readonly ok: false; readonly code: LossReasonCode; readonly reason: string };

/** An element's name without its namespace prefix. */
export const localName = (element: VastElement): string => element.name.slice(element.name.indexOf(':') + 1);

/** The child elements of `element` named `name` (namespace prefix ignored); all of them without a name. */
export function childElements(element: VastElement, name?: string): VastElement[] {
  if (name === undefined) return element.children;
  return element.children.filter((child) => localName(child) === name);
}

/** A leading byte-order mark and whitespace: not allowed before an XML declaration, common in bidders' `adm`. */
const LEADING_JUNK = /^[\uFEFF\s]+/;

/**
 * Parses `text` with saxes, a strict XML 1.0 parser (well-formedness checked; only the predefined entities and
 * character references, no DTD, nothing fetched), into elements that know their source offsets. Throws on the
 * first well-formedness error.
 */
function parseElements(text: string): VastElement | undefined {
  const parser = new SaxesParser({ position: true, xmlns: false });
  const open: VastElement[] = [];
  let root: VastElement | undefined;
  parser.on('opentag', (tag: SaxesTagPlain) => {
    // Called once the start tag's `>` is read: `position` is just after it, and no `<` can be inside the tag.
    const end = parser.position;
    const start = text.lastIndexOf('<', end - 1);
    const element: VastElement = {
      name: tag.name, attributes: tag.attributes, children: [], start, end, contentStart: end, contentEnd: end, selfClosing: tag.isSelfClosing, text: '',
    };
    const parent = open[open.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    if (!tag.isSelfClosing) open.push(element);
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    if (tag.isSelfClosing) return;
    const element = open.pop()!;
    element.end = parser.position;
    element.contentEnd = text.lastIndexOf('<', element.end - 1);
  });
  const characters = (data: string) => {
    const element = open[open.length - 1];
    if (element) element.text += data;
  };
  parser.on('text', characters);
  parser.on('cdata', characters);
  parser.write(text).close();
  return root;
}

/**
 * Parses VAST markup with a strict XML parser (no DTD entities, no external resources). Rejects, with loss
 * reason 3, markup that is not well-formed XML; with 204, XML that is not VAST 2.0–4.x (VAST 1
 * `VideoAdServingTemplate` included) or holds no `<Ad>` with an `<InLine>` or a `<Wrapper>`.
 */
export function readVast(markup: string): VastReading {
  const text = markup.replace(LEADING_JUNK, '');
  let root: VastElement | undefined;
  try {
    root = parseElements(text);
  } catch (error) {
    return { ok: false, code: LossReason.invalidBidResponse, reason: `VAST is not well-formed XML: ${firstLine((error as Error).message)}` };
  }
  if (!root) return { ok: false, code: LossReason.invalidBidResponse, reason: 'VAST document has no root element' };
  const rootName = localName(root);
  if (rootName === 'VideoAdServingTemplate') return { ok: false, code: LossReason.incorrectCreativeFormat, reason: 'VAST 1.0 is not supported' };
  if (rootName !== 'VAST') return { ok: false, code: LossReason.incorrectCreativeFormat, reason: `markup root is <${root.name}>, not <VAST>` };
  const version = (root.attributes.version ?? '').trim();
  const match = /^(\d+)(?:\.(\d+))?/.exec(version);
  const major = match ? Number(match[1]) : NaN;
  if (major !== 2 && major !== 3 && major !== 4) {
    return { ok: false, code: LossReason.incorrectCreativeFormat, reason: version ? `VAST version ${version} is not supported` : 'VAST has no version' };
  }
  const ads: VastAd[] = [];
  for (const ad of childElements(root, 'Ad')) {
    const [body] = childElements(ad).filter((child) => localName(child) === 'InLine' || localName(child) === 'Wrapper');
    if (!body) return { ok: false, code: LossReason.incorrectCreativeFormat, reason: 'an <Ad> holds neither <InLine> nor <Wrapper>' };
    if (localName(body) === 'InLine') {
      ads.push({ kind: 'inline', body, followAdditionalWrappers: true });
      continue;
    }
    const [uri] = childElements(body, 'VASTAdTagURI');
    const follow = (body.attributes.followAdditionalWrappers ?? 'true').trim().toLowerCase();
    ads.push({ kind: 'wrapper', body, tagUri: uri?.text.trim(), followAdditionalWrappers: follow !== 'false' && follow !== '0' });
  }
  if (ads.length === 0) return { ok: false, code: LossReason.incorrectCreativeFormat, reason: 'VAST holds no <Ad>' };
  return { ok: true, doc: { text, root, version, major, minor: match?.[2] ? Number(match[2]) : 0, ads } };
}

/**
 * The OpenRTB `protocols` values (AdCOM list: 2, 3 VAST 2.0/3.0; 5, 6 their wrappers; 7, 8 VAST 4 and its
 * wrapper; 11–14 VAST 4.1/4.2 and their wrappers) any of which accepts an ad of this version and kind.
 */
export function acceptingProtocols(doc: Pick<VastDocument, 'major' | 'minor'>, kind: VastAd['kind']): number[] {
  const wrapper = kind === 'wrapper';
  if (doc.major === 2) return [wrapper ? 5 : 2];
  if (doc.major === 3) return [wrapper ? 6 : 3];
  const codes = [wrapper ? 8 : 7];
  if (doc.minor >= 1) codes.push(wrapper ? 12 : 11);
  if (doc.minor >= 2) codes.push(wrapper ? 14 : 13);
  return codes;
}

/**
 * Checks every ad of `doc` against the imp's `protocols` (T7). An imp without `protocols` accepts every
 * version this exchange supports. Returns why not, or null when every ad is accepted.
 */
export function protocolProblem(doc: VastDocument, protocols: readonly number[] | undefined): string | null {
  if (!protocols || protocols.length === 0) return null;
  for (const ad of doc.ads) {
    const accepting = acceptingProtocols(doc, ad.kind);
    if (!accepting.some((code) => protocols.includes(code))) {
      return `VAST ${doc.version} ${ad.kind === 'wrapper' ? 'Wrapper' : 'InLine'} needs protocol ${accepting.join(' or ')}; the imp accepts ${protocols.join(', ')}`;
    }
  }
  return null;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
