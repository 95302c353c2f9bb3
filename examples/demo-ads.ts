/**
 * The demo publisher page's placements (examples/publisher/index.html) and the native and VAST ads the demo
 * bidders answer them with. Used by the root rtb.config.ts and by the browser test, so both serve the same page.
 */

/** The Native 1.2 request of the page's native placement: a title, a main image, a sponsor line, an image impression tracker. */
export const DEMO_NATIVE_REQUEST = {
  ver: '1.2',
  assets: [
    { id: 1, required: 1, title: { len: 90 } },
    { id: 2, required: 1, img: { type: 3, w: 300, h: 150 } },
    { id: 3, required: 0, data: { type: 1 } },
  ],
  eventtrackers: [{ event: 1, methods: [1] }],
};

/** The page's three placements, by the site ids its tags name (`demo` is the README's banner site). */
export const DEMO_PUBLISHER_SITES = {
  demo: { banner: { w: 300, h: 250 }, floor: 0.1 },
  'demo-native': { native: { request: DEMO_NATIVE_REQUEST }, floor: 0.1 },
  'demo-video': { video: { mimes: ['video/mp4'], protocols: [2, 3, 5, 6, 7, 8], w: 640, h: 360 }, floor: 0.1 },
};

/** A self-contained picture for the native ad (no image host needed). */
function svgDataUrl(color: string, text: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect width="300" height="150" fill="${color}"/>` +
    `<text x="150" y="85" font-family="sans-serif" font-size="22" fill="#fff" text-anchor="middle">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** A Native 1.2 response (`adm` with `mtype: 4`): title, image, sponsor, landing link, the bidder's own impression tracker. */
export function demoNativeAdm(options: { name: string; landing: string; impressionTracker?: string }): string {
  return JSON.stringify({
    ver: '1.2',
    assets: [
      { id: 1, title: { text: `Native ad from ${options.name}` } },
      { id: 2, img: { url: svgDataUrl('#a52', options.name), w: 300, h: 150 } },
      { id: 3, data: { value: `Sponsored by ${options.name}` } },
    ],
    link: { url: options.landing },
    eventtrackers: options.impressionTracker ? [{ event: 1, method: 1, url: options.impressionTracker }] : [],
  });
}

/**
 * A VAST 3.0 InLine ad (`adm` with `mtype: 2`): one linear creative whose MediaFile is `mediaUrl`, the bidder's
 * own `<Impression>` when given. The exchange adds its own `<Impression>` and `<ClickTracking>` to the winner's.
 */
export function demoVastAdm(options: { name: string; landing: string; mediaUrl: string; impressionTracker?: string }): string {
  const impression = options.impressionTracker ? `<Impression><![CDATA[${options.impressionTracker}]]></Impression>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?><VAST version="3.0"><Ad id="${options.name}-video"><InLine>` +
    `<AdSystem>${options.name}</AdSystem><AdTitle>Video ad from ${options.name}</AdTitle>${impression}` +
    `<Creatives><Creative><Linear><Duration>00:00:05</Duration>` +
    `<VideoClicks><ClickThrough><![CDATA[${options.landing}]]></ClickThrough></VideoClicks>` +
    `<MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="640" height="360"><![CDATA[${options.mediaUrl}]]></MediaFile></MediaFiles>` +
    `</Linear></Creative></Creatives></InLine></Ad></VAST>`;
}
