import type { XmlElement } from '@rgrove/parse-xml';
import { applySplices, type Splice } from '../../core/splice.js';
import { childElements, localName, type VastDocument } from './vast-document.js';

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
 * leaves every other byte as the bidder wrote it (its trackers, CDATA sections, comments, whitespace):
 * - one `<Impression>` per ad, after the ad's last `<Impression>` (or where the version's XSD puts it);
 * - one `<ClickTracking>` inside each `<Linear>`'s `<VideoClicks>`, after its last `<ClickTracking>` (or where
 *   the XSD puts it), creating `<VideoClicks>` where a `<Linear>` has none.
 * Positions follow the XSD of the document's version, so a document that validated still validates.
 */
export function insertVastTrackers(doc: VastDocument, urls: VastTrackerUrls): string {
  const { text } = doc;
  const splices: Splice[] = [];
  for (const ad of doc.ads) {
    const prefix = ad.body.name.includes(':') ? `${ad.body.name.slice(0, ad.body.name.indexOf(':'))}:` : '';
    const element = (name: string, content: string) => `<${prefix}${name}>${content}</${prefix}${name}>`;

    const impression = element('Impression', urlContent(urls.impression));
    const impressions = childElements(ad.body, 'Impression');
    if (impressions.length > 0) {
      splices.push({ start: impressions[impressions.length - 1].end, end: impressions[impressions.length - 1].end, text: impression });
    } else {
      const next = childElements(ad.body).find((child) =>
        doc.major === 4 ? !BEFORE_IMPRESSION_V4.has(localName(child)) : AFTER_IMPRESSION_V2_V3.has(localName(child)));
      splices.push(next ? { start: next.start, end: next.start, text: impression } : insertAt(text, ad.body, 'end', impression));
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
  return applySplices(text, splices);
}

function clickTrackingSplice(doc: VastDocument, linear: XmlElement, clickTracking: string, element: (name: string, content: string) => string): Splice {
  const { text } = doc;
  const [videoClicks] = childElements(linear, 'VideoClicks');
  if (videoClicks) {
    const trackers = childElements(videoClicks, 'ClickTracking');
    if (trackers.length > 0) return { start: trackers[trackers.length - 1].end, end: trackers[trackers.length - 1].end, text: clickTracking };
    // VAST 2/3: ClickThrough?, ClickTracking*, CustomClick*. VAST 4.0/4.1: ClickTracking*, CustomClick*,
    // ClickThrough?. VAST 4.2: ClickTracking*, ClickThrough?, CustomClick*.
    if (doc.major === 4) return insertAt(text, videoClicks, 'start', clickTracking);
    const [custom] = childElements(videoClicks, 'CustomClick');
    return custom ? { start: custom.start, end: custom.start, text: clickTracking } : insertAt(text, videoClicks, 'end', clickTracking);
  }
  // VideoClicks comes before MediaFiles in VAST 2/3 and last in VAST 4 (and in every Wrapper's Linear).
  const videoClicksElement = element('VideoClicks', clickTracking);
  const [mediaFiles] = doc.major === 4 ? [] : childElements(linear, 'MediaFiles');
  return mediaFiles ? { start: mediaFiles.start, end: mediaFiles.start, text: videoClicksElement } : insertAt(text, linear, 'end', videoClicksElement);
}

/** Inserts `content` at the start or end of `element`'s content, opening a self-closing element when needed. */
function insertAt(text: string, element: XmlElement, where: 'start' | 'end', content: string): Splice {
  const source = text.slice(element.start, element.end);
  if (source.endsWith('/>')) {
    const open = `${source.slice(0, -2).trimEnd()}>`;
    return { start: element.start, end: element.end, text: `${open}${content}</${element.name}>` };
  }
  const closeAt = text.lastIndexOf('</', element.end - 1);
  if (where === 'end' || element.children.length === 0) return { start: closeAt, end: closeAt, text: content };
  const startTagEnd = element.children[0].start;
  return { start: startTagEnd, end: startTagEnd, text: content };
}
