import { applySplices, type Splice } from '../../core/splice.js';
import { childElements, localName, type VastDocument, type VastElement } from './vast-document.js';

/** The exchange's tracker URLs for one won VAST ad. */
export interface VastTrackerUrls {
  readonly impression: string;
  readonly click: string;
}

/** Children that come after `<Impression>` in `<InLine>`/`<Wrapper>` (VAST 2.0.1 and 3.0 XSDs). */
const AFTER_IMPRESSION_V2_V3 = new Set(['Creatives', 'Extensions']);
/** Children that come before `<Impression>` in VAST 4.x (`AdDefinitionBase_type`): everything else comes after. */
const BEFORE_IMPRESSION_V4 = new Set(['AdSystem', 'Error', 'Extensions', 'Impression']);

/** A URL as XML character data: CDATA (as bidders write trackers), or escaped text if it could close the CDATA. */
function urlContent(url: string): string {
  return url.includes(']]>') ? url.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : `<![CDATA[${url}]]>`;
}

/**
 * Inserts the exchange's trackers into every ad of a VAST 2.0–4.x document, InLine and Wrapper alike, and
 * leaves every other byte as the bidder wrote it (its trackers, CDATA sections, comments, whitespace).
 * See {@link vastTrackerSplices}.
 */
export function insertVastTrackers(doc: VastDocument, urls: VastTrackerUrls): string {
  return applySplices(doc.text, vastTrackerSplices(doc, urls));
}

/**
 * Where the exchange's trackers go in a VAST document, as insertions into its `text`; no bidder byte is replaced
 * (a self-closing tag is opened by replacing its `/>` only):
 * - one `<Impression>` per ad, after the ad's last `<Impression>` (or where the version's XSD puts it);
 * - one `<ClickTracking>` inside each `<Linear>`'s `<VideoClicks>`, after its last `<ClickTracking>` (or where
 *   the XSD puts it), creating `<VideoClicks>` where a `<Linear>` has none.
 * Positions follow the XSD of the document's version, so a document that validated still validates. Every
 * splice sits at a tag boundary, so the text between splices can still be edited on its own (macros).
 */
export function vastTrackerSplices(doc: VastDocument, urls: VastTrackerUrls): Splice[] {
  const splices: Splice[] = [];
  for (const ad of doc.ads) {
    const prefix = ad.body.name.includes(':') ? `${ad.body.name.slice(0, ad.body.name.indexOf(':'))}:` : '';
    const element = (name: string, content: string) => `<${prefix}${name}>${content}</${prefix}${name}>`;

    const impression = element('Impression', urlContent(urls.impression));
    const impressions = childElements(ad.body, 'Impression');
    if (impressions.length > 0) {
      splices.push(insertion(impressions[impressions.length - 1].end, impression));
    } else {
      const next = ad.body.children.find((child) =>
        doc.major === 4 ? !BEFORE_IMPRESSION_V4.has(localName(child)) : AFTER_IMPRESSION_V2_V3.has(localName(child)));
      splices.push(next ? insertion(next.start, impression) : insertInto(ad.body, 'end', impression));
    }

    const clickTracking = element('ClickTracking', urlContent(urls.click));
    for (const creatives of childElements(ad.body, 'Creatives')) {
      for (const creative of childElements(creatives, 'Creative')) {
        for (const linear of childElements(creative, 'Linear')) {
          splices.push(clickTrackingSplice(doc, linear, clickTracking, element));
        }
      }
    }
  }
  return splices;
}

function clickTrackingSplice(doc: VastDocument, linear: VastElement, clickTracking: string, element: (name: string, content: string) => string): Splice {
  const [videoClicks] = childElements(linear, 'VideoClicks');
  if (videoClicks) {
    const trackers = childElements(videoClicks, 'ClickTracking');
    if (trackers.length > 0) return insertion(trackers[trackers.length - 1].end, clickTracking);
    // VAST 2/3: ClickThrough?, ClickTracking*, CustomClick*. VAST 4.0/4.1: ClickTracking*, CustomClick*,
    // ClickThrough?. VAST 4.2: ClickTracking*, ClickThrough?, CustomClick*.
    if (doc.major === 4) return insertInto(videoClicks, 'start', clickTracking);
    const [custom] = childElements(videoClicks, 'CustomClick');
    return custom ? insertion(custom.start, clickTracking) : insertInto(videoClicks, 'end', clickTracking);
  }
  // VideoClicks comes before MediaFiles in VAST 2/3 and last in VAST 4 (and in every Wrapper's Linear).
  const videoClicksElement = element('VideoClicks', clickTracking);
  const [mediaFiles] = doc.major === 4 ? [] : childElements(linear, 'MediaFiles');
  return mediaFiles ? insertion(mediaFiles.start, videoClicksElement) : insertInto(linear, 'end', videoClicksElement);
}

const insertion = (at: number, text: string): Splice => ({ start: at, end: at, text });

/** Inserts `content` at the start or end of `element`'s content; a self-closing element is opened (its `/>` replaced). */
function insertInto(element: VastElement, where: 'start' | 'end', content: string): Splice {
  if (element.selfClosing) return { start: element.end - 2, end: element.end, text: `>${content}</${element.name}>` };
  return insertion(where === 'start' ? element.contentStart : element.contentEnd, content);
}
