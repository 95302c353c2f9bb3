// A video player's VAST client (Dailymotion's vast-client 3.2, its Node build) reading what the exchange delivers:
// each IAB sample (test/vectors/iab-vast-samples) is a bid; the exchange validates it (following its wrapper chain),
// adds its trackers and caches it (`ext.prebid.cache`); vast-client fetches it from the exchange's cache and
// follows the wrapper chain itself, as a player does, from a loopback server holding the samples. In the ad it
// merges, the exchange's impression tracker is there once, and on each linear creative its click tracker once.
// (Issue 16, item 7.)
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, relative } from 'node:path';
import { VASTClient, type UrlTemplate } from 'vast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAuction, startRig, type Rig } from './helpers.js';
import { VECTORS } from './vectors.js';

const SAMPLES = join(VECTORS, 'iab-vast-samples');
const IAB_BASE = 'https://raw.githubusercontent.com/InteractiveAdvertisingBureau/VAST_Samples/master/';
const TREMOR_BASE = 'http://demo.tremormedia.com/proddev/vast/';
/**
 * Two Tremor wrappers name documents the sample set does not have (`vast_inline_nonlinear2.xml`, `…3.xml`): the
 * loopback server answers them with the set's one nonlinear InLine.
 */
const TREMOR_STAND_INS: Record<string, string> = { 'vast_inline_nonlinear2.xml': 'vast_inline_nonlinear.xml', 'vast_inline_nonlinear3.xml': 'vast_inline_nonlinear.xml' };

function xmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? xmlFiles(join(dir, entry.name)) : entry.name.endsWith('.xml') ? [join(dir, entry.name)] : []))
    .sort();
}

const samples = xmlFiles(SAMPLES).map((file) => ({ name: relative(SAMPLES, file), text: readFileSync(file, 'utf8') }));
const urlOf = (template: UrlTemplate) => (typeof template === 'string' ? template : template.url);
const isWrapper = (text: string) => /<Wrapper[\s>]/.test(text);
/** VAST 1.0 documents (`VideoAdServingTemplate`): the exchange refuses them, and vast-client does not read them either. */
const isVast1 = (text: string) => /<VideoAdServingTemplate[\s>]/.test(text);

describe('vast-client reads the VAST the exchange delivers, wrapper chains included', () => {
  let adServer: Server;
  let base: string;
  let rig: Rig;
  /** A sample as served from loopback: its wrapper URLs pointed at the loopback server. */
  const onLoopback = (text: string) => text.replaceAll(IAB_BASE, `${base}/iab/`).replaceAll(TREMOR_BASE, `${base}/tremor/`);

  beforeAll(async () => {
    adServer = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = path.startsWith('/iab/') ? path.slice('/iab/'.length)
        : path.startsWith('/tremor/') ? `VAST 1-2.0 Samples/Tremor-Video-Samples/${TREMOR_STAND_INS[path.slice('/tremor/'.length)] ?? path.slice('/tremor/'.length)}`
          : undefined;
      const sample = samples.find((candidate) => candidate.name === file);
      if (!sample) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/xml' }).end(onLoopback(sample.text));
    });
    await new Promise<void>((resolve) => adServer.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(adServer.address() as { port: number }).port}`;
    rig = await startRig({ dsp: { price: 2, formats: ['video'] } }, {
      // The wrapper chains are on loopback; what the test is about is the documents, not deadlines.
      vast: { allowPrivateNetworks: true, wrapperTimeoutMs: 2_000 },
      hooks: { timeoutMs: 3_000 },
      auction: { tmaxMs: 5_000 },
    } as never);
  });
  afterAll(async () => {
    await rig?.stop();
    await new Promise<void>((resolve) => (adServer ? adServer.close(() => resolve()) : resolve()));
  });

  it('every sample: the exchange\'s impression once per merged ad, its click tracker once per linear creative; every wrapper sample among them', async () => {
    const delivered: string[] = [];
    const refused: string[] = [];
    const followed = new Set<string>();
    for (const sample of samples) {
      rig.bidders.dsp!.set({ videoMarkup: onLoopback(sample.text) });
      const answer = await postAuction(rig.exchange, {
        id: `vast-${delivered.length + refused.length}`,
        imp: [{ id: 'v', video: { mimes: ['video/mp4', 'application/javascript', 'video/webm'], protocols: [2, 3, 5, 6, 7, 8, 11, 12, 13, 14], w: 640, h: 360 } }],
        ext: { prebid: { cache: { vastxml: { returnCreative: false } } } },
      });
      const bid = answer.json().seatbid[0]?.bid[0];
      if (!bid) {
        refused.push(sample.name);
        continue;
      }
      delivered.push(sample.name);
      const vast = await new VASTClient().get(bid.ext.prebid.cache.vastXml.url);
      expect(vast.ads.length, sample.name).toBeGreaterThan(0);
      for (const ad of vast.ads) {
        expect(ad.impressionURLTemplates.map(urlOf).filter((url) => url.includes('/t/imp?t=')), `${sample.name}: the exchange's impression`).toHaveLength(1);
        const linear = ad.creatives.filter((creative) => creative.type === 'linear');
        for (const creative of linear) {
          expect(creative.videoClickTrackingURLTemplates.map(urlOf).filter((url) => url.includes('/t/click?t=')), `${sample.name}: the exchange's click tracker`).toHaveLength(1);
        }
        // A wrapper's chain was followed by the client: the merged ad has the wrapped InLine's impressions too.
        if (isWrapper(sample.text)) {
          const own = (sample.text.match(/<Impression[\s>]/g) ?? []).length + 1;
          expect(ad.impressionURLTemplates.length, `${sample.name}: the wrapped ad's impressions`).toBeGreaterThan(own);
          followed.add(sample.name);
        }
      }
    }
    // What the exchange refused is VAST 1.0 alone; every wrapper sample was delivered and its chain followed.
    expect(refused).toEqual(samples.filter((sample) => isVast1(sample.text)).map((sample) => sample.name));
    const wrappers = samples.filter((sample) => isWrapper(sample.text)).map((sample) => sample.name);
    expect(wrappers.length).toBeGreaterThanOrEqual(8);
    expect(delivered).toEqual(expect.arrayContaining(wrappers));
    expect([...followed].sort()).toEqual([...wrappers].sort());
  }, 120_000);
});
