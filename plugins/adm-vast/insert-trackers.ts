import { applySplices, type Splice } from '../../core/index.js';
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
 * See {@link planVastTrackers}.
 */
export function insertVastTrackers(doc: VastDocument, urls: VastTrackerUrls): string {
  const plan = planVastTrackers(doc);
  return applySplices(plan.text, fillTrackerSlots(plan, urls));
}

/** A place in a VAST document's text for one of the exchange's trackers: the URL goes between `before` and `after`. */
export interface TrackerSlot {
  /** The text [start, end) is replaced: an insertion when start = end, else a self-closing tag's `/>`. */
  readonly start: number;
  readonly end: number;
  readonly tracker: keyof VastTrackerUrls;
  readonly before: string;
  readonly after: string;
}

/**
 * Where a VAST document takes the exchange's trackers, worked out when a bid is validated and filled in if it
 * wins: a few offsets and strings, so the parsed document need not be kept for the rewrite.
 */
export interface VastTrackerPlan {
  /** The document's text, which the slots' offsets refer to. */
  readonly text: string;
  readonly ads: number;
  readonly slots: readonly TrackerSlot[];
}

/**
 * Where the exchange's trackers go in a VAST document, as slots in its `text`; no bidder byte is replaced (a
 * self-closing tag is opened by replacing its `/>` only):
 * - one `<Impression>` per ad, after the ad's last `<Impression>` (or where the version's XSD puts it);
 * - one `<ClickTracking>` per ad, inside its first `<Linear>`'s `<VideoClicks>`, after its last `<ClickTracking>`
 *   (or where the XSD puts it), creating `<VideoClicks>` where that `<Linear>` has none; a Wrapper without any
 *   `<Linear>` gets a `<Creative><Linear>` holding only `<VideoClicks><ClickTracking>`.
 * Positions follow the XSD of the document's version, so a document that validated still validates. Every
 * slot sits at a tag boundary, so the text between slots can still be edited on its own (macros).
 */
export function planVastTrackers(doc: VastDocument): VastTrackerPlan {
  const slots: TrackerSlot[] = [];
  for (const ad of doc.ads) {
    const prefix = ad.body.name.includes(':') ? `${ad.body.name.slice(0, ad.body.name.indexOf(':'))}:` : '';
    const open = (...names: string[]) => names.map((name) => `<${prefix}${name}>`).join('');
    const close = (...names: string[]) => names.map((name) => `</${prefix}${name}>`).join('');

    const impression = { tracker: 'impression', before: open('Impression'), after: close('Impression') } as const;
    const impressions = childElements(ad.body, 'Impression');
    if (impressions.length > 0) {
      slots.push(at(impressions[impressions.length - 1].end, impression));
    } else {
      const next = ad.body.children.find((child) =>
        doc.major === 4 ? !BEFORE_IMPRESSION_V4.has(localName(child)) : AFTER_IMPRESSION_V2_V3.has(localName(child)));
      slots.push(next ? at(next.start, impression) : into(ad.body, 'end', impression));
    }

    // One click tracker per Ad: players merge a Wrapper's Linear click trackers into the InLine's, so one per
    // Linear would count one click as many. In the Ad's first Linear; a Wrapper without one gets a Linear of its
    // own holding only VideoClicks/ClickTracking (every VAST version's Wrapper Linear allows that), so the merged ad
    // still carries the exchange's tracker. An InLine without a Linear has no video click to count.
    const clickTracking = { tracker: 'click', before: open('ClickTracking'), after: close('ClickTracking') } as const;
    const videoClicks = { tracker: 'click', before: open('VideoClicks', 'ClickTracking'), after: close('ClickTracking', 'VideoClicks') } as const;
    const allCreatives = childElements(ad.body, 'Creatives');
    const [linear] = allCreatives.flatMap((creatives) => childElements(creatives, 'Creative').flatMap((creative) => childElements(creative, 'Linear')));
    if (linear) slots.push(clickTrackingSlot(doc, linear, clickTracking, videoClicks));
    else if (ad.kind === 'wrapper') {
      const creative = { tracker: 'click', before: open('Creative', 'Linear', 'VideoClicks', 'ClickTracking'), after: close('ClickTracking', 'VideoClicks', 'Linear', 'Creative') } as const;
      const [creatives] = allCreatives;
      if (creatives) slots.push(into(creatives, 'end', creative));
      else {
        // Creatives comes before Extensions in a Wrapper of every version.
        const withCreatives = { tracker: 'click', before: `${open('Creatives')}${creative.before}`, after: `${creative.after}${close('Creatives')}` } as const;
        const [extensions] = childElements(ad.body, 'Extensions');
        slots.push(extensions ? at(extensions.start, withCreatives) : into(ad.body, 'end', withCreatives));
      }
    }
  }
  return { text: doc.text, ads: doc.ads.length, slots };
}

/** The plan's slots with the URLs in: the splices that insert the exchange's trackers. */
export function fillTrackerSlots(plan: VastTrackerPlan, urls: VastTrackerUrls): Splice[] {
  return plan.slots.map((slot) => ({ start: slot.start, end: slot.end, text: `${slot.before}${urlContent(urls[slot.tracker])}${slot.after}` }));
}

/** What a slot holds: the tracker and the markup around its URL. */
type SlotContent = Pick<TrackerSlot, 'tracker' | 'before' | 'after'>;

function clickTrackingSlot(doc: VastDocument, linear: VastElement, clickTracking: SlotContent, videoClicksElement: SlotContent): TrackerSlot {
  const [videoClicks] = childElements(linear, 'VideoClicks');
  if (videoClicks) {
    const trackers = childElements(videoClicks, 'ClickTracking');
    if (trackers.length > 0) return at(trackers[trackers.length - 1].end, clickTracking);
    // VAST 2/3: ClickThrough?, ClickTracking*, CustomClick*. VAST 4.0/4.1: ClickTracking*, CustomClick*,
    // ClickThrough?. VAST 4.2: ClickTracking*, ClickThrough?, CustomClick*.
    if (doc.major === 4) return into(videoClicks, 'start', clickTracking);
    const [custom] = childElements(videoClicks, 'CustomClick');
    return custom ? at(custom.start, clickTracking) : into(videoClicks, 'end', clickTracking);
  }
  // VideoClicks comes before MediaFiles in VAST 2/3 and last in VAST 4 (and in every Wrapper's Linear).
  const [mediaFiles] = doc.major === 4 ? [] : childElements(linear, 'MediaFiles');
  return mediaFiles ? at(mediaFiles.start, videoClicksElement) : into(linear, 'end', videoClicksElement);
}

const at = (offset: number, content: SlotContent): TrackerSlot => ({ start: offset, end: offset, ...content });

/** A slot at the start or end of `element`'s content; a self-closing element is opened (its `/>` replaced). */
function into(element: VastElement, where: 'start' | 'end', content: SlotContent): TrackerSlot {
  if (element.selfClosing) return { start: element.end - 2, end: element.end, tracker: content.tracker, before: `>${content.before}`, after: `${content.after}</${element.name}>` };
  return at(where === 'start' ? element.contentStart : element.contentEnd, content);
}
