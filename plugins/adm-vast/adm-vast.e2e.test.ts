// Real exchange, real mock bidders on 127.0.0.1 which also serve their VAST wrapper chains.
import { afterEach, describe, expect, it } from 'vitest';
import type { MockAnswer, ReceivedRequest } from '../../core/testing/index.js';
import { auctionLines, http, postAuction, startRig, type Rig } from '../../test/helpers.js';
import { until } from '../../test/until.js';
import { readVast } from './vast-document.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const inline = (impression: string) =>
  `<VAST version="3.0"><Ad id="in"><InLine><AdSystem>dsp</AdSystem><AdTitle>t</AdTitle><Impression><![CDATA[${impression}]]></Impression>` +
  '<Creatives><Creative><Linear><Duration>00:00:15</Duration><MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="640" height="360">' +
  '<![CDATA[https://cdn.example/v.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>';
const wrapper = (uri: string) =>
  `<VAST version="3.0"><Ad id="w"><Wrapper><AdSystem>dsp</AdSystem><VASTAdTagURI><![CDATA[${uri}]]></VASTAdTagURI><Impression>https://dsp.example/w</Impression><Creatives/></Wrapper></Ad></VAST>`;

/**
 * A mock video DSP bidding `price` with `adm(self)`, recording notices, serving chains of N Wrappers whose first is
 * the bid's own markup: `/chain/N/K` is Wrapper K (up to N), then the InLine ad at K = N + 1.
 */
function videoDsp(name: string, price: number, adm: (self: string) => string) {
  return {
    respond: (request: ReceivedRequest): MockAnswer => {
      const self = rig!.bidders[name].url;
      const chain = /^\/chain\/(\d+)\/(\d+)$/.exec(request.url);
      if (chain) {
        const [n, k] = [Number(chain[1]), Number(chain[2])];
        return { status: 200, headers: { 'content-type': 'application/xml' }, body: k <= n ? wrapper(`${self}/chain/${n}/${k + 1}`) : inline(`${self}/own-imp`) };
      }
      if (request.method === 'GET') return { status: 200 };
      const body = request.json as { id: string; imp: Array<{ id: string }> };
      const bid = {
        id: `${name}-1`, impid: body.imp[0].id, price, mtype: 2, adm: adm(self),
        lurl: `${self}/lurl?loss=\${AUCTION_LOSS}`, burl: `${self}/burl?price=\${AUCTION_PRICE}`,
      };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: body.id, seatbid: [{ bid: [bid] }] }) };
    },
  };
}

const CONFIG = {
  sites: { v: { video: { protocols: [2, 3, 5, 6] }, floor: 0.5 } },
  vast: { allowPrivateNetworks: true },
  hooks: { timeoutMs: 3_000 },
  auction: { tmaxMs: 4_000 },
};

const videoRequest = (id: string) => ({ id, site: { id: 'v' }, imp: [{ id: '1', video: { mimes: ['video/mp4'], protocols: [2, 3, 5, 6] } }] });

const notices = (name: string, path: string) => rig!.bidders[name].requests.filter((request) => request.method === 'GET' && request.url.startsWith(path));

describe('VAST wrapper chains in the auction (T7)', () => {
  it('a chain of 6 Wrappers is discarded (1001, lurl fired); the next bid wins, its VAST carries the exchange trackers', async () => {
    rig = await startRig({
      deep: videoDsp('deep', 3, (self) => wrapper(`${self}/chain/6/2`)),
      plain: videoDsp('plain', 1, (self) => inline(`${self}/own-imp`)),
    }, CONFIG);
    const answer = await postAuction(rig.exchange, videoRequest('vast-e2e-1'));
    expect(answer.status).toBe(200);
    const [seat] = answer.json().seatbid;
    expect(seat.seat).toBe('plain');
    expect(auctionLines(rig.exchange)[0].bidders.deep).toMatchObject({ status: 'invalid', priceMicros: 3_000_000 });
    expect(rig.exchange.logs.withMessage('bid rejected')[0]).toMatchObject({ bidder: 'deep', code: 1001, reason: 'VAST wrapper chain is deeper than 5 Wrapper(s)' });
    await until(() => notices('deep', '/lurl').length === 1, 'the lurl of the discarded bid');
    expect(notices('deep', '/lurl')[0].url).toBe('/lurl?loss=1001');

    // The winner's VAST: its own Impression kept, the exchange's added; rendering it bills the winner once.
    const adm = seat.bid[0].adm as string;
    const reading = readVast(adm);
    expect(reading.ok).toBe(true);
    const ours = [...adm.matchAll(/<Impression><!\[CDATA\[([^\]]+)\]\]><\/Impression>/g)].map((match) => match[1]);
    expect(ours).toEqual([`${rig.bidders.plain.url}/own-imp`, expect.stringMatching(new RegExp(`^${rig.exchange.url}/t/imp\\?t=`))]);
    expect((await http(ours[1])).status).toBe(200);
    await until(() => notices('plain', '/burl').length === 1, 'the winner\'s burl');
    // Alone after the rejection, the winner pays the site's floor.
    expect(notices('plain', '/burl')[0].url).toBe('/burl?price=0.5');
  });

  it('a chain of 5 Wrappers is within the limit: that bid wins', async () => {
    rig = await startRig({
      deep: videoDsp('deep', 3, (self) => wrapper(`${self}/chain/5/2`)),
      plain: videoDsp('plain', 1, (self) => inline(`${self}/own-imp`)),
    }, CONFIG);
    const answer = await postAuction(rig.exchange, videoRequest('vast-e2e-2'));
    expect(answer.json().seatbid[0].seat).toBe('deep');
    expect(notices('deep', '/chain/5/6')).toHaveLength(1);
  });

  it('the site\'s maxWrapperDepth applies to tag auctions for that site', async () => {
    rig = await startRig({
      deep: videoDsp('deep', 3, (self) => wrapper(`${self}/chain/2/2`)),
      plain: videoDsp('plain', 1, (self) => inline(`${self}/own-imp`)),
    }, { ...CONFIG, sites: { v: { video: { protocols: [2, 3, 5, 6] }, maxWrapperDepth: 1 } } });
    const answer = await http(`${rig.exchange.url}/ad?site=v`);
    expect(answer.status).toBe(200);
    expect(auctionLines(rig.exchange)[0].bidders).toMatchObject({ deep: { status: 'invalid' }, plain: { status: 'win' } });
  });

  it('malformed VAST is a rejected bid, not a failed auction', async () => {
    rig = await startRig({
      broken: videoDsp('broken', 3, () => '<VAST version="3.0"><Ad><InLine><Impression>x</Ad></VAST>'),
      plain: videoDsp('plain', 1, (self) => inline(`${self}/own-imp`)),
    }, CONFIG);
    const answer = await postAuction(rig.exchange, videoRequest('vast-e2e-3'));
    expect(answer.json().seatbid[0].seat).toBe('plain');
    expect(rig.exchange.logs.withMessage('bid rejected')[0]).toMatchObject({ bidder: 'broken', code: 3 });
    await until(() => notices('broken', '/lurl').length === 1, 'the lurl of the malformed bid');
    expect(notices('broken', '/lurl')[0].url).toBe('/lurl?loss=3');
  });
});
