import { parseXml, XmlElement, type XmlDocument } from '@rgrove/parse-xml';
import { LossReason, type LossReasonCode } from '../../core/openrtb/loss-reasons.js';

/** One `<Ad>` of a VAST document: an InLine ad, or a Wrapper pointing at another VAST document. */
export interface VastAd {
  readonly kind: 'inline' | 'wrapper';
  /** The `<InLine>` or `<Wrapper>` element. */
  readonly body: XmlElement;
  /** Wrapper: the `VASTAdTagURI`, trimmed. */
  readonly tagUri?: string;
  /** Wrapper: whether the documents it points to may themselves be Wrappers (`followAdditionalWrappers`, default true). */
  readonly followAdditionalWrappers: boolean;
}

/** A parsed VAST 2.0–4.x document. Element offsets refer to `text`. */
export interface VastDocument {
  readonly text: string;
  readonly root: XmlElement;
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
export const localName = (element: XmlElement): string => element.name.slice(element.name.indexOf(':') + 1);

/** The child elements of `element` named `name` (namespace prefix ignored). */
export function childElements(element: XmlElement, name?: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of element.children) {
    if (child instanceof XmlElement && (name === undefined || localName(child) === name)) found.push(child);
  }
  return found;
}

/** A leading byte-order mark and whitespace: not allowed before an XML declaration, common in bidders' `adm`. */
const LEADING_JUNK = /^[\uFEFF\s]+/;

/**
 * Parses VAST markup with a strict XML parser (no DTD entities, no external resources). Rejects, with loss
 * reason 3, markup that is not well-formed XML; with 204, XML that is not VAST 2.0–4.x (VAST 1
 * `VideoAdServingTemplate` included) or holds no `<Ad>` with an `<InLine>` or a `<Wrapper>`.
 */
export function readVast(markup: string): VastReading {
  const text = markup.replace(LEADING_JUNK, '');
  let document: XmlDocument;
  try {
    document = parseXml(text, { includeOffsets: true, preserveCdata: true });
  } catch (error) {
    return { ok: false, code: LossReason.invalidBidResponse, reason: `VAST is not well-formed XML: ${firstLine((error as Error).message)}` };
  }
  const root = document.root;
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
