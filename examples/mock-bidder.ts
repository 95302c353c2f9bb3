import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';

/** A bid request as the mock bidder received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body after gunzip. */
  readonly raw: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
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
  /** Decimal CPM bid on every imp (OpenRTB answer). */
  price?: number;
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
  /** Answer `{ id, nbr }` (a no-bid with a reason) instead of bids. */
  nbr?: number;
  /** Notice URLs to put in each bid. */
  nurl?: string;
  lurl?: string;
  burl?: string;
  /** Anything else to merge into each bid. */
  bidFields?: Record<string, unknown>;
  /** Full control: compute the answer from the request (overrides everything above but `delayMs`). */
  respond?: (request: ReceivedRequest) => MockAnswer;
}

/** A running mock bidder. */
export interface MockBidder {
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: ReceivedRequest[];
  /** Changes how it answers from now on. */
  set(options: Partial<MockBidderOptions>): void;
  close(): Promise<void>;
}

const DEFAULT_MARKUP = '<div class="ad"><a href="https://advertiser.example/landing">Ad</a></div>';

/** The OpenRTB answer the options describe for `request`. */
function openRtbAnswer(options: MockBidderOptions, request: ReceivedRequest): MockAnswer {
  if (options.status !== undefined) return { status: options.status };
  const bidRequest = request.json as { id: string; imp: Array<{ id: string }> };
  if (options.nbr !== undefined) return { status: 200, body: JSON.stringify({ id: bidRequest.id, nbr: options.nbr }) };
  if (options.price === undefined) return { status: 204 };
  const bid = bidRequest.imp.map((imp, i) => ({
    id: `${imp.id}-${i}`,
    impid: imp.id,
    price: options.price,
    adm: options.markup ?? DEFAULT_MARKUP,
    crid: 'creative-1',
    adomain: ['advertiser.example'],
    ...(options.mtype !== undefined ? { mtype: options.mtype } : {}),
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
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      let json: unknown;
      try {
        json = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        json = undefined;
      }
      const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, json };
      requests.push(received);
      const answer = options.respond ? options.respond(received) : openRtbAnswer(options, received);
      const send = () => {
        if (res.destroyed) return;
        let body = answer.body === undefined ? undefined : Buffer.from(answer.body);
        const headers: Record<string, string> = { ...answer.headers };
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

// Run on its own (benchmarks start bidders in separate processes):
//   tsx examples/mock-bidder.ts --port 9101 --price 1.5 --delay 20
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, price: { type: 'string' }, delay: { type: 'string' } } });
  const bidder = await startMockBidder({ port: Number(values.port ?? 0), price: Number(values.price ?? 1), delayMs: Number(values.delay ?? 0) });
  process.stdout.write(`mock bidder listening on ${bidder.url}\n`);
  process.once('SIGTERM', () => void bidder.close().then(() => process.exit(0)));
}
