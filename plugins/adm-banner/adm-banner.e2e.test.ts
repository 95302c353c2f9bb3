// A real exchange, a real mock bidder (which also serves its click redirect and the landing page), real HTTP on
// 127.0.0.1: a user's click on the delivered banner walks the redirects hop by hop.
import { parse } from 'parse5';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockAnswer, ReceivedRequest } from '../../core/testing/index.js';
import { http, postAuction, startRig, type Rig } from '../../test/helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** The mock DSP: bids `markup(its own URL)`, answers its click URL with a redirect, serves the landing page. */
function dsp(markup: (self: string) => string) {
  return {
    respond: (request: ReceivedRequest): MockAnswer => {
      const self = rig!.bidders.dsp.url;
      const url = new URL(request.url, self);
      if (request.method === 'GET' && url.pathname === '/click') {
        return { status: 302, headers: { location: url.searchParams.get('ssp_click') ?? url.searchParams.get('to') ?? `${self}/landing` } };
      }
      if (request.method === 'GET' && url.pathname === '/landing') return { status: 200, headers: { 'content-type': 'text/html' }, body: '<h1>landing page</h1>' };
      const body = request.json as { id: string; imp: Array<{ id: string }> };
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: body.id, seatbid: [{ seat: 'dsp', bid: [{ id: 'b1', impid: body.imp[0].id, price: 1.5, mtype: 1, adm: markup(self) }] }] }),
      };
    },
  };
}

/** The HTML the tag answer writes into the page. */
function htmlOfTag(script: string): string {
  const literal = /var h=("(?:[^"\\]|\\.)*");/.exec(script)?.[1];
  if (!literal) throw new Error(`no markup in the tag answer: ${script.slice(0, 200)}`);
  return JSON.parse(literal) as string;
}

/** Every link's href in `html`, as the browser reads it. */
function hrefs(html: string): string[] {
  const found: string[] = [];
  const visit = (node: any): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const href = node.tagName === 'a' ? node.attrs.find((attr: { name: string }) => attr.name === 'href') : undefined;
    if (href) found.push(href.value);
    for (const child of node.childNodes ?? []) visit(child);
  };
  visit(parse(html));
  return found;
}

/** Follows redirects one hop at a time, like a browser, and returns every hop. */
async function walk(start: string): Promise<Array<{ url: string; status: number; body: string }>> {
  const hops: Array<{ url: string; status: number; body: string }> = [];
  let url = start;
  for (let i = 0; i < 6; i++) {
    const answer = await http(url);
    hops.push({ url, status: answer.status, body: answer.text });
    const location = answer.headers.location;
    if (answer.status < 300 || answer.status >= 400 || typeof location !== 'string') return hops;
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}

const summary = (hops: Array<{ url: string; status: number }>) => hops.map((hop) => `${hop.status} ${new URL(hop.url).pathname}`);

describe('a click on the delivered banner', () => {
  it('redirect-wrap: exchange → bidder → landing page, the bidder\'s link kept byte for byte as the destination', async () => {
    rig = await startRig({
      dsp: {
        ...dsp((self) => `<table><tr><td><A HREF='${self}/click?to=${encodeURIComponent(`${self}/landing`)}&amp;c=42'><IMG SRC="${self}/banner.png"></A></td></tr></table>`),
        bidderConfig: { click: 'redirect-wrap' },
      },
    });
    const answer = await http(`${rig.exchange.url}/ad?site=s`, { headers: { 'user-agent': 'test-browser/1.0' } });
    expect(answer.status).toBe(200);
    const html = htmlOfTag(answer.text);
    const [link] = hrefs(html);
    const exchange = rig.exchange.url;
    expect(link.startsWith(`${exchange}/t/click?t=`)).toBe(true);
    expect(html).toContain(`<img src="${exchange}/t/imp?t=`);

    const hops = await walk(link);
    expect(summary(hops)).toEqual(['302 /t/click', '302 /click', '200 /landing']);
    const dspUrl = rig.bidders.dsp.url;
    expect(hops[1].url).toBe(`${dspUrl}/click?to=${encodeURIComponent(`${dspUrl}/landing`)}&c=42`);
    expect(hops[2].body).toBe('<h1>landing page</h1>');
    expect(rig.bidders.dsp.requests.filter((request) => request.method === 'GET').map((request) => request.url.split('?')[0])).toEqual(['/click', '/landing']);
    expect(rig.exchange.logs.withMessage('click')).toHaveLength(1);
    expect(rig.exchange.logs.withMessage('click strategy applied')[0]).toMatchObject({ plugin: 'adm-banner', bidder: 'dsp', strategy: 'redirect-wrap' });
  });

  it('click-macro (the default): bidder → exchange → landing page', async () => {
    rig = await startRig({
      dsp: dsp((self) => `<a href="${self}/click?ssp_click=\${CLICK_URL}&redirect=${encodeURIComponent(`${self}/landing`)}">Buy</a>`),
    });
    const answer = await postAuction(rig.exchange, { id: 'click-macro-1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] });
    expect(answer.status).toBe(200);
    const [link] = hrefs(answer.json().seatbid[0].bid[0].adm);
    expect(link.startsWith(`${rig.bidders.dsp.url}/click?ssp_click=${encodeURIComponent(`${rig.exchange.url}/t/click?t=`)}`)).toBe(true);

    const hops = await walk(link);
    expect(summary(hops)).toEqual(['302 /click', '302 /t/click', '200 /landing']);
    expect(hops[2].body).toBe('<h1>landing page</h1>');
    expect(rig.exchange.logs.withMessage('click')).toHaveLength(1);
  });

  it('a tracker URL altered on the way is refused by the exchange, and nobody is redirected', async () => {
    rig = await startRig({ dsp: { ...dsp((self) => `<a href="${self}/landing">x</a>`), bidderConfig: { click: 'redirect-wrap' } } });
    const answer = await postAuction(rig.exchange, { id: 'tamper-1', imp: [{ id: '1', banner: { w: 300, h: 250 } }] });
    const [link] = hrefs(answer.json().seatbid[0].bid[0].adm);
    const token = new URL(link).searchParams.get('t')!;
    const altered = link.replace(token, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`);
    expect(summary(await walk(altered))).toEqual(['404 /t/click']);
  });

  it('JavaScript markup (rtb-host tag dialect): the impression tracker is a statement after the bidder\'s script', async () => {
    const script = 'document.write("<a href=\\"https://landing.example/\\">ad</a>"); // bidder\'s tag';
    rig = await startRig({ host: { dialect: 'rtb-host', price: 20_000, markup: script, bidderConfig: { dialect: 'rtb-host', pricing: 'chips' } } });
    const answer = await http(`${rig.exchange.url}/ad?site=s`);
    expect(answer.status).toBe(200);
    const [bidderScript, statement, ...rest] = answer.text.split('\n');
    expect(bidderScript).toBe(script);
    expect(statement).toMatch(new RegExp(`^;\\(function\\(\\)\\{var i=new Image\\(1,1\\);i\\.src="${rig.exchange.url.replace(/\./g, '\\.')}/t/imp\\?t=[\\w-]+";\\}\\)\\(\\);$`));
    expect(rest).toEqual(['']);
    expect(rig.exchange.logs.withMessage('click strategy fell back')[0]).toMatchObject({ bidder: 'host', strategy: 'none' });
  });
});
