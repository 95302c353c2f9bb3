// Table-driven over every IAB VAST sample in test/vectors/iab-vast-samples (InteractiveAdvertisingBureau/
// VAST_Samples @ 6a60797), validated against the IAB XSDs in test/vectors/iab-vast (InteractiveAdvertisingBureau/
// vast @ ec2a7ce) with xmllint (xmllint-wasm: libxml2 compiled to WebAssembly, no network).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { LossReason } from '../../core/index.js';
import { VECTORS } from '../../test/vectors.js';
import { insertVastTrackers } from './insert-trackers.js';
import { childElements, localName, readVast, type VastDocument, type VastElement } from './vast-document.js';

const SAMPLES = join(VECTORS, 'iab-vast-samples');
const XSD_BY_VERSION: Record<string, string> = { '2': 'vast_2.0.1.xsd', '3': 'vast3_draft.xsd', '4.0': 'vast4.xsd', '4.1': 'vast_4.1.xsd', '4.2': 'vast_4.2.xsd' };

function xmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? xmlFiles(join(dir, entry.name)) : entry.name.endsWith('.xml') ? [join(dir, entry.name)] : []))
    .sort();
}

const samples = xmlFiles(SAMPLES).map((file) => ({ name: relative(SAMPLES, file), text: readFileSync(file, 'utf8') }));

function xsdFor(version: string): string {
  const key = version.startsWith('2') ? '2' : version.startsWith('3') ? '3' : version.slice(0, 3);
  return readFileSync(join(VECTORS, 'iab-vast', XSD_BY_VERSION[key]), 'utf8').replace(/^\uFEFF/, '');
}

/**
 * xmllint's schema errors for each document against the XSD of VAST `version`, without file names and line
 * numbers. One xmllint run for many documents: each run instantiates libxml2's WebAssembly module.
 */
async function schemaErrorsOfMany(docs: readonly string[], version: string): Promise<string[][]> {
  const result = await validateXML({ xml: docs.map((contents, i) => ({ fileName: `doc${i}.xml`, contents })), schema: { fileName: 'vast.xsd', contents: xsdFor(version) } });
  const errors: string[][] = docs.map(() => []);
  for (const error of result.errors) {
    if (!error.loc && / fails to validate$/.test(error.rawMessage)) continue; // the per-document summary line
    const index = Number(/^doc(\d+)\.xml$/.exec(error.loc?.fileName ?? '')?.[1]);
    if (!Number.isInteger(index)) throw new Error(`xmllint error without a document: ${error.rawMessage}`);
    errors[index].push(error.message);
  }
  return errors;
}

async function schemaErrors(xml: string, version: string): Promise<string[]> {
  return (await schemaErrorsOfMany([xml], version))[0];
}

const URLS = { impression: 'https://ex.test/t/imp?t=IMP&n=1', click: 'https://ex.test/t/click?t=CLK&n=1' };
const OUR_IMPRESSION = `<Impression><![CDATA[${URLS.impression}]]></Impression>`;
const OUR_CLICK = `<ClickTracking><![CDATA[${URLS.click}]]></ClickTracking>`;
const OUR_VIDEO_CLICKS = `<VideoClicks>${OUR_CLICK}</VideoClicks>`;
/** What a Wrapper without a Linear gets: a Linear holding only the exchange's click tracker. */
const OUR_CREATIVE = `<Creative><Linear>${OUR_VIDEO_CLICKS}</Linear></Creative>`;

/** The bidder's trackers: every URL-bearing tracking element, as (name, text) pairs. */
const TRACKER_ELEMENTS = new Set(['Impression', 'ClickTracking', 'Tracking', 'Error', 'NonLinearClickTracking', 'CompanionClickTracking', 'IconClickTracking', 'IconViewTracking', 'Viewable', 'NotViewable', 'ViewUndetermined', 'ClickThrough', 'VASTAdTagURI']);
function trackers(doc: VastDocument): string[] {
  const found: string[] = [];
  const visit = (element: VastElement) => {
    if (TRACKER_ELEMENTS.has(localName(element))) found.push(`${localName(element)} ${element.text.trim()}`);
    for (const child of childElements(element)) visit(child);
  };
  visit(doc.root);
  return found.sort();
}

function linears(body: VastElement): VastElement[] {
  return childElements(body, 'Creatives').flatMap((c) => childElements(c, 'Creative')).flatMap((c) => childElements(c, 'Linear'));
}

describe('every IAB VAST sample', () => {
  it('has samples to test', () => {
    expect(samples.length).toBeGreaterThanOrEqual(75);
  });

  const vast1 = samples.filter((sample) => sample.text.includes('<VideoAdServingTemplate'));
  it.each(vast1.map((sample) => [sample.name, sample]))('%s: VAST 1.0 is refused (204), not rewritten', (_name, sample) => {
    expect(readVast(sample.text)).toEqual({ ok: false, code: LossReason.incorrectCreativeFormat, reason: 'VAST 1.0 is not supported' });
  });

  const vast2to4 = samples.filter((sample) => !vast1.includes(sample));
  /** Each sample's schema errors before and after the rewrite, by sample name (one xmllint run per VAST version). */
  const validation = new Map<string, { before: string[]; after: string[] }>();
  beforeAll(async () => {
    const byVersion = new Map<string, Array<{ name: string; before: string; after: string }>>();
    for (const sample of vast2to4) {
      const reading = readVast(sample.text);
      if (!reading.ok) continue;
      const key = xsdFor(reading.doc.version);
      byVersion.set(key, [...(byVersion.get(key) ?? []), { name: sample.name, before: reading.doc.text, after: insertVastTrackers(reading.doc, URLS) }]);
    }
    for (const docs of byVersion.values()) {
      const version = readVast(docs[0].before);
      if (!version.ok) continue;
      const errors = await schemaErrorsOfMany(docs.flatMap((doc) => [doc.before, doc.after]), version.doc.version);
      docs.forEach((doc, i) => validation.set(doc.name, { before: errors[2 * i], after: errors[2 * i + 1] }));
    }
  }, 60_000);

  it.each(vast2to4.map((sample) => [sample.name, sample]))('%s: rewritten, re-parsed, bidder trackers kept, ours once per ad, still schema-valid', (_name, sample) => {
    const before = readVast(sample.text);
    if (!before.ok) throw new Error(before.reason);
    const rewritten = insertVastTrackers(before.doc, URLS);

    const after = readVast(rewritten);
    if (!after.ok) throw new Error(`rewritten sample does not parse: ${after.reason}`);
    expect(after.doc.ads.map((ad) => ad.kind)).toEqual(before.doc.ads.map((ad) => ad.kind));

    // Ours removed, the document is the bidder's byte for byte: every tracker, CDATA section and comment kept.
    expect(rewritten.split(OUR_CREATIVE).join('').split(OUR_VIDEO_CLICKS).join('').split(OUR_CLICK).join('').split(OUR_IMPRESSION).join('')).toBe(before.doc.text);
    expect(trackers(after.doc)).toEqual(expect.arrayContaining(trackers(before.doc)));

    // One click tracker per ad, as players merge a Wrapper's into the InLine's (one per Linear would count a click
    // as many): every Wrapper has one, and every InLine with a Linear; an InLine without one has no video click.
    before.doc.ads.forEach((ad, i) => {
      const rewrittenAd = after.doc.ads[i]!;
      expect(childElements(rewrittenAd.body, 'Impression').filter((element) => element.text === URLS.impression)).toHaveLength(1);
      const ours = linears(rewrittenAd.body)
        .flatMap((linear) => childElements(linear, 'VideoClicks'))
        .flatMap((videoClicks) => childElements(videoClicks, 'ClickTracking'))
        .filter((element) => element.text === URLS.click);
      expect(ours).toHaveLength(ad.kind === 'wrapper' || linears(ad.body).length > 0 ? 1 : 0);
    });
    expect(rewritten.split(OUR_IMPRESSION).length - 1).toBe(after.doc.ads.length);

    // Valid before → valid after. A sample that was already invalid gains no error about what we inserted (xmllint
    // stops at an element's first error, so fixing one of the bidder's errors may reveal another of its own).
    const errors = validation.get(sample.name)!;
    expect(errors).toBeDefined();
    if (errors.before.length === 0) expect(errors.after).toEqual([]);
    else expect(errors.after.filter((error) => !errors.before.includes(error) && /Impression|ClickTracking|VideoClicks/.test(error))).toEqual([]);
  });

  it('validates most samples before the rewrite, so the check above has teeth', () => {
    expect([...validation.values()].filter((errors) => errors.before.length === 0).length).toBeGreaterThanOrEqual(65);
  });
});

describe('placement where a sample lacks the element', () => {
  it('an InLine without <Impression> gets one where the XSD wants it, which makes the VAST 2.0 Tremor samples valid', async () => {
    const sample = samples.find((s) => s.name.endsWith('Tremor-Video-Samples/vast2Nonlinear.xml'))!;
    const before = readVast(sample.text);
    if (!before.ok) throw new Error(before.reason);
    expect(await schemaErrors(before.doc.text, '2.0')).not.toEqual([]);
    expect(await schemaErrors(insertVastTrackers(before.doc, URLS), '2.0')).toEqual([]);
  });

  it.each([
    ['2.0', 'VAST 2: before <MediaFiles>', '<Linear><Duration>00:00:10</Duration><MediaFiles/></Linear>', `<Linear><Duration>00:00:10</Duration>${OUR_VIDEO_CLICKS}<MediaFiles/></Linear>`],
    ['4.2', 'VAST 4: last', '<Linear><Duration>00:00:10</Duration><MediaFiles/></Linear>', `<Linear><Duration>00:00:10</Duration><MediaFiles/>${OUR_VIDEO_CLICKS}</Linear>`],
    ['3.0', 'VAST 3: after ClickThrough, before CustomClick', '<Linear><VideoClicks><ClickThrough>a</ClickThrough><CustomClick>c</CustomClick></VideoClicks></Linear>', `<Linear><VideoClicks><ClickThrough>a</ClickThrough>${OUR_CLICK}<CustomClick>c</CustomClick></VideoClicks></Linear>`],
    ['4.1', 'VAST 4.0/4.1: first', '<Linear><VideoClicks><CustomClick>c</CustomClick><ClickThrough>a</ClickThrough></VideoClicks></Linear>', `<Linear><VideoClicks>${OUR_CLICK}<CustomClick>c</CustomClick><ClickThrough>a</ClickThrough></VideoClicks></Linear>`],
    ['4.2', 'after the last ClickTracking', '<Linear><VideoClicks><ClickTracking>1</ClickTracking><ClickTracking>2</ClickTracking><ClickThrough>a</ClickThrough></VideoClicks></Linear>', `<Linear><VideoClicks><ClickTracking>1</ClickTracking><ClickTracking>2</ClickTracking>${OUR_CLICK}<ClickThrough>a</ClickThrough></VideoClicks></Linear>`],
    ['4.2', 'a self-closing <VideoClicks/> is opened (only its `/>` replaced)', '<Linear><VideoClicks /></Linear>', `<Linear><VideoClicks >${OUR_CLICK}</VideoClicks></Linear>`],
    ['4.2', 'offsets stay right after CRLF line ends and characters outside the BMP', '<Linear>\r\n<!-- 🎬 -->\r\n<VideoClicks>\r\n</VideoClicks></Linear>', `<Linear>\r\n<!-- 🎬 -->\r\n<VideoClicks>${OUR_CLICK}\r\n</VideoClicks></Linear>`],
    ['4.2', 'a self-closing tag with attributes and a line break is opened', '<Linear skipoffset="00:00:05"\n/>', `<Linear skipoffset="00:00:05"\n>${OUR_VIDEO_CLICKS}</Linear>`],
    ['4.2', 'a self-closing Wrapper <Linear/> is opened', '<Linear/>', `<Linear>${OUR_VIDEO_CLICKS}</Linear>`],
  ])('VAST %s, %s', (version, _what, linear, expected) => {
    const xml = `<VAST version="${version}"><Ad><InLine><AdSystem>s</AdSystem><AdTitle>t</AdTitle><Impression>i</Impression><Creatives><Creative>${linear}</Creative></Creatives></InLine></Ad></VAST>`;
    const reading = readVast(xml);
    if (!reading.ok) throw new Error(reading.reason);
    expect(insertVastTrackers(reading.doc, URLS)).toBe(xml.replace('<Impression>i</Impression>', `<Impression>i</Impression>${OUR_IMPRESSION}`).replace(linear, expected));
  });

  it('keeps a namespace prefix, and escapes a URL that would end the CDATA section', () => {
    const xml = '<v:VAST xmlns:v="http://www.iab.com/VAST" version="4.2"><v:Ad><v:Wrapper><v:AdSystem>s</v:AdSystem><v:Impression>i</v:Impression><v:VASTAdTagURI>https://a.example/</v:VASTAdTagURI></v:Wrapper></v:Ad></v:VAST>';
    const reading = readVast(xml);
    if (!reading.ok) throw new Error(reading.reason);
    expect(insertVastTrackers(reading.doc, { impression: 'https://ex.test/i?a=]]>&b', click: 'c' }))
      .toContain('<v:Impression>i</v:Impression><v:Impression>https://ex.test/i?a=]]&gt;&amp;b</v:Impression>');
  });
});

describe('the spec\'s VAST examples (prebid/openrtb)', () => {
  const admOf = (version: string) =>
    JSON.parse(readFileSync(join(VECTORS, `prebid-openrtb/openrtb2/testdata/bid-response/${version}/vast-xml-document-returned-inline.json`), 'utf8')).seatbid[0].bid[0].adm as string;

  it('the malformed document of the 2.6 examples is refused as an invalid bid (3), never a crash', () => {
    expect(readVast(admOf('2.6'))).toMatchObject({ ok: false, code: LossReason.invalidBidResponse, reason: expect.stringMatching(/^VAST is not well-formed XML/) });
  });

  it('the well-formed document of the 2.5 examples is rewritten with no new schema error', async () => {
    const reading = readVast(admOf('2.5'));
    if (!reading.ok) throw new Error(reading.reason);
    const rewritten = insertVastTrackers(reading.doc, URLS);
    expect(rewritten).toContain(`<Impression>http://sample.com</Impression>${OUR_IMPRESSION}`);
    expect(rewritten).toContain(`<ClickThrough>\n<![CDATA[http://sample.com/openrtbtest]]>\n</ClickThrough>\n${OUR_CLICK}</VideoClicks>`);
    const before = await schemaErrors(reading.doc.text, '2.0');
    expect((await schemaErrors(rewritten, '2.0')).filter((error) => !before.includes(error) && /Impression|ClickTracking|VideoClicks/.test(error))).toEqual([]);
  });
});
