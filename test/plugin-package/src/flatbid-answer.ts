import type { MockAnswer, ReceivedRequest } from 'rtb-exchange/testing';

/**
 * How a `flatbid` partner answers, for a mock bidder (`startMockBidder({ respond: flatbidAnswer(1.25) })`): an ad
 * at `cpm` on every slot of the request; notices (`GET`) get a 200.
 */
export function flatbidAnswer(cpm: number) {
  return (request: ReceivedRequest): MockAnswer => {
    if (request.method === 'GET') return { status: 200 };
    const slots = (request.json as { slots?: Array<{ slot: string }> }).slots ?? [];
    const ads = slots.map(({ slot }) => ({ id: `ad-${slot}`, slot, cpm, html: `<div class="flat">flatbid ad on ${slot}</div>` }));
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ads }) };
  };
}
