import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockAnswer, ReceivedRequest } from '../../core/testing/index.js';
import { http, postAuction, startRig, type Rig } from '../../test/helpers.js';
import { VECTORS } from '../../test/vectors.js';

const SOCIAL_REQUEST = readFileSync(`${VECTORS}prebid-openrtb/native1/request/testdata/v1.2/social-context.json`, 'utf8');

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

function nativeDsp(adm: string) {
  return {
    respond: (request: ReceivedRequest): MockAnswer => {
      if (request.method === 'GET') return { status: 200 };
      const body = request.json as { id: string; imp: Array<{ id: string }> };
      const self = rig!.bidders.dsp.url;
      const bid = { id: 'n1', impid: body.imp[0].id, price: 2, mtype: 4, adm, burl: `${self}/burl?price=\${AUCTION_PRICE}` };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: body.id, seatbid: [{ bid: [bid] }] }) };
    },
  };
}

describe('Native in the auction', () => {
  it('the winner\'s Native JSON keeps its shape and gains the exchange\'s trackers; the impression tracker bills once', async () => {
    const adm = JSON.stringify({ native: { ver: '1.2', link: { url: 'https://landing.example/', clicktrackers: ['https://dsp.example/c'] }, assets: [{ id: 1, title: { text: 'Hello' } }], eventtrackers: [{ event: 1, method: 1, url: 'https://dsp.example/i?p=${AUCTION_PRICE}' }] } });
    rig = await startRig({ dsp: nativeDsp(adm) });
    const answer = await postAuction(rig.exchange, { id: 'native-1', imp: [{ id: '1', native: { request: SOCIAL_REQUEST, ver: '1.2' }, bidfloor: 1.2 }] });
    expect(answer.status).toBe(200);
    const delivered = JSON.parse(answer.json().seatbid[0].bid[0].adm) as { native: { eventtrackers: Array<{ url: string }>; link: { clicktrackers: string[] }; assets: unknown[] } };
    expect(Object.keys(delivered)).toEqual(['native']);
    const { eventtrackers, link, assets } = delivered.native;
    expect(eventtrackers[0]).toEqual({ event: 1, method: 1, url: 'https://dsp.example/i?p=1.2' });
    expect(eventtrackers[1]).toMatchObject({ event: 1, method: 1, url: expect.stringMatching(new RegExp(`^${rig.exchange.url}/t/imp\\?t=`)) });
    expect(link.clicktrackers).toEqual(['https://dsp.example/c', expect.stringMatching(new RegExp(`^${rig.exchange.url}/t/click\\?t=`))]);
    expect(assets).toEqual([{ id: 1, title: { text: 'Hello' } }]);

    // A click tracker records the click without redirecting: the SDK goes to link.url itself.
    expect((await http(link.clicktrackers[1])).status).toBe(204);
    expect((await http(eventtrackers[1].url)).status).toBe(200);
    const deadline = Date.now() + 15_000;
    while (!rig.bidders.dsp.requests.some((request) => request.url.startsWith('/burl')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rig.bidders.dsp.requests.filter((request) => request.url.startsWith('/burl')).map((request) => request.url)).toEqual(['/burl?price=1.2']);
  });

  it('invalid Native JSON is a rejected bid (3)', async () => {
    rig = await startRig({ dsp: nativeDsp(readFileSync(`${VECTORS}bsm-openrtb/native/response/testdata/response2.json`, 'utf8')) });
    const answer = await postAuction(rig.exchange, { id: 'native-2', imp: [{ id: '1', native: { request: SOCIAL_REQUEST } }] });
    expect([answer.status, answer.json().seatbid]).toEqual([200, []]);
    expect(rig.exchange.logs.withMessage('bid rejected')[0]).toMatchObject({ bidder: 'dsp', code: 3 });
  });
});
