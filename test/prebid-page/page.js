// What the publisher's page does with Prebid.js (inlined by the test after the exchange's URL is known): three ad
// units (banner, native, instream video) sold server-side through the exchange, as through a Prebid Server; the
// page's own auction picks each unit's highest bid; the banner is rendered by Prebid, the native ad by the page's
// template (firing its event trackers as the Native spec says), the video by vast-client (fetched from the
// exchange's cache, its impression tracked as a player does).
/* global pbjs, VASTClient, VASTTracker, EXCHANGE, BIDDERS */
window.results = { rounds: [], rendered: {}, errors: [] };
const report = (error) => window.results.errors.push(String(error && error.stack || error));
const adUnits = [
  { code: 'banner-1', mediaTypes: { banner: { sizes: [[300, 250]] } }, bids: [{ bidder: 'dspa', params: { placement: 'a-1' } }, { bidder: 'dspb', params: { placement: 'b-1' } }] },
  {
    code: 'native-1',
    mediaTypes: { native: { ortb: { ver: '1.2', assets: [{ id: 1, required: 1, title: { len: 80 } }, { id: 2, required: 1, img: { type: 3, w: 300, h: 150 } }, { id: 3, data: { type: 1 } }] } } },
    bids: [{ bidder: 'dspn', params: {} }],
  },
  {
    code: 'video-1',
    mediaTypes: { video: { context: 'instream', playerSize: [[640, 360]], mimes: ['video/mp4'], protocols: [2, 3, 5, 6] } },
    bids: [{ bidder: 'dspv', params: {} }],
  },
];

pbjs.que.push(() => {
  pbjs.setConfig({
    // The page's ad server line items follow the same buckets as the exchange's targeting keys.
    priceGranularity: 'dense',
    s2sConfig: [{
      accountId: 'pub-1',
      enabled: true,
      adapter: 'prebidServer',
      bidders: BIDDERS,
      endpoint: `${EXCHANGE}/openrtb2/auction`,
      syncEndpoint: `${EXCHANGE}/cookie_sync`,
      timeout: 4000,
      extPrebid: { cache: { vastxml: { returnCreative: false } }, targeting: { pricegranularity: 'dense' } },
    }],
    userSync: { syncEnabled: true, filterSettings: { all: { bidders: '*', filter: 'include' } } },
  });
  pbjs.addAdUnits(adUnits);
  window.runAuction = (render) => new Promise((resolve) => {
    pbjs.requestBids({
      timeout: 6000,
      adUnitCodes: adUnits.map((unit) => unit.code),
      bidsBackHandler: (responses) => {
        const round = Object.entries(responses).flatMap(([code, { bids }]) => bids.map((bid) => ({
          code, bidder: bid.bidderCode, cpm: bid.cpm, mediaType: bid.mediaType, adId: bid.adId, vastUrl: bid.vastUrl, videoCacheKey: bid.videoCacheKey,
          hb_pb: bid.adserverTargeting && bid.adserverTargeting.hb_pb,
        })));
        window.results.rounds.push(round);
        (render ? renderAll() : Promise.resolve()).catch(report).then(resolve);
      },
    });
  });
  window.runAuction(true);
});

async function renderAll() {
  const [banner] = pbjs.getHighestCpmBids('banner-1');
  if (banner) {
    const frame = document.getElementById('banner-frame');
    pbjs.renderAd(frame.contentWindow.document, banner.adId);
    window.results.rendered.banner = banner.bidderCode;
  }
  const [native] = pbjs.getHighestCpmBids('native-1');
  if (native) {
    const ortb = native.native.ortb;
    const title = ortb.assets.find((asset) => asset.title);
    const box = document.getElementById('native-slot');
    box.innerHTML = `<div class="native-ad"><a href="${ortb.link.url}">${title.title.text}</a></div>`;
    for (const tracker of ortb.eventtrackers || []) if (tracker.event === 1 && tracker.method === 1) new Image().src = tracker.url;
    for (const url of ortb.imptrackers || []) new Image().src = url;
    pbjs.markWinningBidAsUsed({ adId: native.adId });
    window.results.rendered.native = native.bidderCode;
  }
  const [video] = pbjs.getHighestCpmBids('video-1');
  if (video) {
    const client = new VASTClient();
    const vast = await client.get(video.vastUrl);
    const ad = vast.ads[0];
    const creative = ad.creatives.find((candidate) => candidate.type === 'linear');
    const tracker = new VASTTracker(client, ad, creative);
    tracker.trackImpression();
    pbjs.markWinningBidAsUsed({ adId: video.adId });
    window.results.rendered.video = { bidder: video.bidderCode, impressions: ad.impressionURLTemplates.map((template) => template.url || template), clicks: creative.videoClickTrackingURLTemplates.map((template) => template.url || template) };
  }
}
