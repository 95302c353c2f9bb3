import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

/** A bid request as the mock bidder received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as it came over the wire (gzipped when the exchange gzipped it). */
  readonly wire: Buffer;
  /** The body after gunzip. */
  readonly raw: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** `adx` mocks: the body decoded as Google's BidRequest (proto field names, 64-bit ints as strings). */
  readonly adx?: Record<string, unknown>;
}

/** A fully custom answer. */
export interface MockAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** How a mock bidder answers. Every field can be changed while it runs with `set()`. */
export interface MockBidderOptions {
  /** Port to listen on (0: any free port). Always on 127.0.0.1. */
  port?: number;
  /**
   * Which wire format to answer in (default `openrtb`): `openrtb` JSON BidResponse (also what `kakao` bidders
   * answer), `rtb-host` JSON `{ bidset: [{ bid: [...] }], units }`, or `adx` protobuf BidResponse (Google's
   * doubleclick.proto). Requests are read in the same format.
   */
  dialect?: 'openrtb' | 'rtb-host' | 'adx';
  /**
   * The bid on every imp, in the dialect's own units: decimal CPM (`openrtb`), integer chips (`rtb-host`, see
   * `units`), `max_cpm_micros` (`adx`). No price: a no-bid in the dialect's form.
   */
  price?: number;
  /** `rtb-host`: the answer's top-level `units` (omitted when unset; put `units` in `bidFields` for per-bid units). */
  units?: number;
  /** `adx`: what each ad declares and which adgroup it names. */
  adx?: MockAdxAd;
  /** Extra headers on every answer (e.g. an `x-openrtb-version` echo). */
  answerHeaders?: Record<string, string>;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Answer with this HTTP status and no body (e.g. 204, 400, 500). */
  status?: number;
  /** gzip the answer. */
  gzip?: boolean;
  /** The `adm` of each bid. */
  markup?: string;
  /** `bid.mtype` of each bid. */
  mtype?: number;
  /** `openrtb`: the `adm` of bids on imps that offer video (VAST), sent with `mtype` 2; without it, `markup`. */
  videoMarkup?: string;
  /** Answer `{ id, nbr }` (a no-bid with a reason) instead of bids. */
  nbr?: number;
  /** Notice URLs to put in each bid (macros and all: the exchange expands them). */
  nurl?: string;
  lurl?: string;
  burl?: string;
  /**
   * How to answer notices (every `GET`: win, loss and billing notices, whatever the path): the statuses of the
   * successive notices, then `200` for the rest. E.g. `[500, 500]`: the first two notices fail.
   */
  noticeStatuses?: number[];
  /** Anything else to merge into each bid. */
  bidFields?: Record<string, unknown>;
  /** `openrtb`: bid only on imps that offer one of these formats (a banner-only DSP, say); none left: 204. */
  formats?: Array<'banner' | 'video' | 'audio' | 'native'>;
  /**
   * A click server: a `GET` to one of these paths (e.g. `/click`) is answered `302` to the URL given (the landing
   * page). Recorded in `requests`, not in `notices`.
   */
  redirects?: Record<string, string>;
  /**
   * Keep every request in `requests` and `notices` (default true, what tests read). The standalone command turns
   * it off: a benchmark's bidder would otherwise hold every request it ever got, and slow down as its heap grows.
   */
  record?: boolean;
  /** Full control: compute the answer from the request (overrides everything above but `delayMs`). */
  respond?: (request: ReceivedRequest) => MockAnswer;
}

/** What a mock `adx` bidder's ad declares. */
export interface MockAdxAd {
  /** `adslot.adgroup_id`: by default the slot's first `matching_ad_data.adgroup_id`; `null` leaves it out. */
  adgroupId?: string | number | null;
  /** `adslot.min_cpm_micros`. */
  minCpmMicros?: number;
  clickThroughUrl?: string[];
  vendorType?: number[];
  attribute?: number[];
  category?: number[];
}

/** A running mock bidder. */
export interface MockBidder {
  readonly url: string;
  readonly port: number;
  /** Every request received, in order (bid requests and notices). */
  readonly requests: ReceivedRequest[];
  /** The notices received (every `GET`), in order, each with the status it was answered. */
  readonly notices: ReadonlyArray<ReceivedRequest & { readonly status: number }>;
  /** Changes how it answers from now on. */
  set(options: Partial<MockBidderOptions>): void;
  close(): Promise<void>;
}

const DEFAULT_MARKUP = '<div class="ad"><a href="https://advertiser.example/landing">Ad</a></div>';
const DEFAULT_SCRIPT = `document.write(${JSON.stringify(DEFAULT_MARKUP)});`;

/** Google's AdX messages, from the proto file the `adx` dialect ships (loaded on the first `adx` request). */
function loadAdxTypes() {
  const text = readFileSync(new URL('../../plugins/adx-dialect/doubleclick.proto', import.meta.url), 'utf8');
  const { root } = protobuf.parse(text, { keepCase: true });
  return { BidRequest: root.lookupType('com.google.doubleclick.BidRequest'), BidResponse: root.lookupType('com.google.doubleclick.BidResponse') };
}

/** The `rtb-host` answer the options describe: integer chips and JavaScript markup under `bidset[].bid[]`. */
function rtbHostAnswer(options: MockBidderOptions, request: ReceivedRequest): MockAnswer {
  if (options.status !== undefined) return { status: options.status };
  const bidRequest = request.json as { id: string; imp: Array<{ id: string }> };
  if (options.nbr !== undefined) return { status: 200, body: JSON.stringify({ id: bidRequest.id, nbr: options.nbr }) };
  if (options.price === undefined) return { status: 204 };
  const bid = bidRequest.imp.map((imp) => ({
    ...(bidRequest.imp.length > 1 ? { impid: imp.id } : {}),
    price: options.price,
    adm: options.markup ?? DEFAULT_SCRIPT,
    ...(options.nurl ? { nurl: options.nurl } : {}),
    ...(options.lurl ? { lurl: options.lurl } : {}),
    ...options.bidFields,
  }));
  const body = { bidset: [{ bid }], ...(options.units !== undefined ? { units: options.units } : {}) };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

type AdxTypes = ReturnType<typeof loadAdxTypes>;
interface AdxRequestView { adslot?: Array<{ id: number; matching_ad_data?: Array<{ adgroup_id?: string }> }> }

/** The `adx` answer the options describe: one ad on every slot, or a no-bid (`processing_time_ms` only). */
function adxAnswer(options: MockBidderOptions, request: ReceivedRequest, types: AdxTypes): MockAnswer {
  if (options.status !== undefined) return { status: options.status };
  const bidRequest = request.adx as AdxRequestView;
  const ad = options.adx ?? {};
  const ads = options.price === undefined ? [] : [{
    buyer_creative_id: 'creative-1',
    html_snippet: options.markup ?? DEFAULT_MARKUP,
    click_through_url: ad.clickThroughUrl ?? ['https://advertiser.example/landing'],
    vendor_type: ad.vendorType ?? [],
    attribute: ad.attribute ?? [],
    category: ad.category ?? [],
    adslot: (bidRequest.adslot ?? []).map((slot) => {
      const adgroup = ad.adgroupId === undefined ? slot.matching_ad_data?.[0]?.adgroup_id : ad.adgroupId;
      return {
        id: slot.id,
        max_cpm_micros: String(options.price),
        ...(ad.minCpmMicros !== undefined ? { min_cpm_micros: String(ad.minCpmMicros) } : {}),
        ...(adgroup !== undefined && adgroup !== null ? { adgroup_id: String(adgroup) } : {}),
      };
    }),
  }];
  const message = types.BidResponse.fromObject({ ad: ads, processing_time_ms: 3 });
  return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(types.BidResponse.encode(message).finish()) };
}

/** The OpenRTB answer the options describe for `request`. */
function openRtbAnswer(options: MockBidderOptions, request: ReceivedRequest): MockAnswer {
  if (options.status !== undefined) return { status: options.status };
  const bidRequest = request.json as { id: string; imp: Array<{ id: string }> };
  if (options.nbr !== undefined) return { status: 200, body: JSON.stringify({ id: bidRequest.id, nbr: options.nbr }) };
  const imps = options.formats ? bidRequest.imp.filter((imp) => options.formats!.some((format) => (imp as Record<string, unknown>)[format])) : bidRequest.imp;
  if (options.price === undefined || imps.length === 0) return { status: 204 };
  const bid = imps.map((imp, i) => ({
    id: `${imp.id}-${i}`,
    impid: imp.id,
    price: options.price,
    crid: 'creative-1',
    adomain: ['advertiser.example'],
    ...(options.videoMarkup !== undefined && (imp as { video?: unknown }).video
      ? { adm: options.videoMarkup, mtype: 2 }
      : { adm: options.markup ?? DEFAULT_MARKUP, ...(options.mtype !== undefined ? { mtype: options.mtype } : {}) }),
    ...(options.nurl ? { nurl: options.nurl } : {}),
    ...(options.lurl ? { lurl: options.lurl } : {}),
    ...(options.burl ? { burl: options.burl } : {}),
    ...options.bidFields,
  }));
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: bidRequest.id, cur: 'USD', seatbid: [{ seat: 'seat-1', bid }] }) };
}

/**
 * Starts a mock DSP on 127.0.0.1: it records every request it gets and answers as `options` say (a price,
 * a delay, a status, gzip, markup, no-bid forms, or a custom answer). Tests and the demo use it.
 */
export async function startMockBidder(initial: MockBidderOptions = {}): Promise<MockBidder> {
  let options = { ...initial };
  let adxTypes: AdxTypes | undefined;
  const requests: ReceivedRequest[] = [];
  const notices: Array<ReceivedRequest & { status: number }> = [];
  let noticeCount = 0;
  const noticeAnswer = (received: ReceivedRequest): MockAnswer => {
    const status = options.noticeStatuses?.[noticeCount++] ?? 200;
    if (options.record !== false) notices.push({ ...received, status });
    return { status };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
      let json: unknown;
      try {
        json = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        json = undefined;
      }
      const dialect = options.dialect ?? 'openrtb';
      let adx: Record<string, unknown> | undefined;
      if (dialect === 'adx') {
        adxTypes ??= loadAdxTypes();
        try {
          adx = adxTypes.BidRequest.toObject(adxTypes.BidRequest.decode(raw), { longs: String, arrays: true });
        } catch {
          adx = undefined;
        }
      }
      const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, wire, raw, json, ...(adx ? { adx } : {}) };
      if (options.record !== false) requests.push(received);
      const redirect = received.method === 'GET' ? options.redirects?.[received.url.split('?')[0]] : undefined;
      const answer = redirect !== undefined
        ? { status: 302, headers: { location: redirect } }
        : options.respond
        ? options.respond(received)
        : received.method === 'GET'
          ? noticeAnswer(received)
          : dialect === 'adx'
          ? adx ? adxAnswer(options, received, adxTypes!) : { status: 400 }
          : dialect === 'rtb-host' ? rtbHostAnswer(options, received) : openRtbAnswer(options, received);
      const send = () => {
        if (res.destroyed) return;
        let body = answer.body === undefined ? undefined : Buffer.from(answer.body);
        const headers: Record<string, string> = { ...answer.headers, ...options.answerHeaders };
        if (body && options.gzip) {
          body = gzipSync(body);
          headers['content-encoding'] = 'gzip';
        }
        res.writeHead(answer.status, headers);
        res.end(body);
      };
      if (options.delayMs) setTimeout(send, options.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    notices,
    set: (change) => {
      options = { ...options, ...change };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
