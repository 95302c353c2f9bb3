// Notices over pipelined, corked connections: a real undici Agent built as NoticeDestinations builds it, against a
// raw TCP server on 127.0.0.1 that records how the requests arrive (which connection, which read).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent, type buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AttemptDeadlines } from './attempt-deadlines.js';
import { corkingConnector } from './corking-connector.js';
import { attemptDelivery, routeThrough } from './delivery.js';
import type { Notice } from './notice.js';

/** Every read the server made: its connection and the request paths it held. */
interface Read {
  readonly connection: number;
  readonly paths: string[];
}

let server: Server | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  await agent?.destroy();
  agent = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/**
 * An HTTP/1.1 server written on `net`, so that the test sees the bytes as they arrive: it answers `204` to each GET
 * in order, except that from a request for `/hang` on it never answers on that connection again; or, with
 * `closeAfterEachAnswer`, it answers the first GET of a connection and closes it.
 */
async function startRecordingServer(options: { closeAfterEachAnswer?: boolean } = {}): Promise<{ origin: string; reads: Read[] }> {
  const reads: Read[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  server = createServer((socket) => {
    const connection = connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = '';
    let hung = false;
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      const paths: string[] = [];
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const path = head.split(' ')[1] ?? '';
        paths.push(path);
        if (path === '/hang') hung = true;
        if (hung) continue;
        if (options.closeAfterEachAnswer) {
          // An HTTP/1.0-minded receiver: one answer per connection, whatever else was sent on it.
          socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n');
          hung = true;
          continue;
        }
        socket.write('HTTP/1.1 204 No Content\r\nconnection: keep-alive\r\n\r\n');
      }
      reads.push({ connection, paths });
    });
  });
  server.on('close', () => sockets.forEach((socket) => socket.destroy()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reads };
}

/** Wraps `connect` to count how its sockets hand bytes to the system: one chunk at a time, or gathered. */
function countingWrites(connect: buildConnector.connector, writes: { single: number; gathered: number }): buildConnector.connector {
  return (target, callback) =>
    connect(target, (error, socket) => {
      if (socket) {
        const stream = socket as unknown as { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
        const single = stream._write;
        const gathered = stream._writev;
        stream._write = function (...args) {
          writes.single++;
          return single.apply(this, args);
        };
        stream._writev = function (...args) {
          writes.gathered++;
          return gathered.apply(this, args);
        };
      }
      if (error) callback(error, null);
      else callback(null, socket!);
    });
}

const notice = (n: number, path = `/win?n=${n}`): Notice => ({ id: `n-${n}`, kind: 'nurl', bidder: 'dsp', auctionId: `a-${n}`, url: path, acceptedAt: Date.now() });

describe('pipelined notice delivery', () => {
  it('sends a batch of GETs on as few connections as the pipelining allows, several per write', async () => {
    const { origin, reads } = await startRecordingServer();
    const writes = { single: 0, gathered: 0 };
    agent = new Agent({ connections: 2, pipelining: 8, keepAliveTimeout: 10_000, connect: countingWrites(corkingConnector(), writes) });
    const deadlines = new AttemptDeadlines(5_000);
    // Connections first (undici opens one lazily), then a batch of 16 handed over in one turn, as the queue does.
    expect(await attemptDelivery(routeThrough(agent, `${origin}/warm`), notice(-1), deadlines)).toEqual({ ok: true, status: 204 });
    writes.single = writes.gathered = 0;
    const batch = Array.from({ length: 16 }, (_, n) => attemptDelivery(routeThrough(agent!, `${origin}/win?n=${n}`), notice(n), deadlines));
    expect(await Promise.all(batch)).toEqual(Array.from({ length: 16 }, () => ({ ok: true, status: 204 })));

    const batchReads = reads.filter((read) => read.paths.some((path) => path.startsWith('/win')));
    const received = batchReads.flatMap((read) => read.paths).filter((path) => path.startsWith('/win'));
    expect(received.sort()).toEqual(Array.from({ length: 16 }, (_, n) => `/win?n=${n}`).sort());
    expect(new Set(reads.map((read) => read.connection)).size).toBeLessThanOrEqual(2);
    // Pipelined: several GETs were on the wire at once on one connection (one at a time, each read holds one).
    expect(Math.max(...batchReads.map((read) => read.paths.length))).toBeGreaterThan(1);
    // Corked: the socket wrote the batch gathered, one writev per connection, instead of one write per GET.
    expect(writes.gathered).toBeGreaterThanOrEqual(1);
    expect(writes.single + writes.gathered).toBeLessThanOrEqual(2);
  });

  it('sends one GET at a time per connection with pipelining 1, and still delivers every one', async () => {
    const { origin, reads } = await startRecordingServer();
    agent = new Agent({ connections: 2, pipelining: 1, keepAliveTimeout: 10_000, connect: corkingConnector() });
    const deadlines = new AttemptDeadlines(5_000);
    const batch = Array.from({ length: 10 }, (_, n) => attemptDelivery(routeThrough(agent!, `${origin}/win?n=${n}`), notice(n), deadlines));
    expect((await Promise.all(batch)).every((result) => result.ok)).toBe(true);
    expect(reads.every((read) => read.paths.length === 1)).toBe(true);
    expect(reads.length).toBe(10);
  });

  it('delivers every GET, without a failed attempt, to a receiver that answers one per connection and closes it', async () => {
    const { origin, reads } = await startRecordingServer({ closeAfterEachAnswer: true });
    agent = new Agent({ connections: 2, pipelining: 8, keepAliveTimeout: 10_000, connect: corkingConnector() });
    const deadlines = new AttemptDeadlines(5_000);
    const batch = Array.from({ length: 12 }, (_, n) => attemptDelivery(routeThrough(agent!, `${origin}/win?n=${n}`), notice(n), deadlines));
    // undici sends again, on a new connection, the GETs queued behind an answer that closed its connection.
    expect(await Promise.all(batch)).toEqual(Array.from({ length: 12 }, () => ({ ok: true, status: 204 })));
    expect(new Set(reads.map((read) => read.connection)).size).toBeGreaterThanOrEqual(12);
  });

  it('fails the GETs stuck behind an answer that never comes at the attempt time limit, for the queue to retry', async () => {
    const { origin } = await startRecordingServer();
    agent = new Agent({ connections: 1, pipelining: 8, keepAliveTimeout: 10_000, connect: corkingConnector() });
    const deadlines = new AttemptDeadlines(300);
    const hang = attemptDelivery(routeThrough(agent, `${origin}/hang`), notice(0, '/hang'), deadlines);
    const behind = [1, 2, 3].map((n) => attemptDelivery(routeThrough(agent!, `${origin}/win?n=${n}`), notice(n), deadlines));
    const results = await Promise.all([hang, ...behind]);
    expect(results.every((result) => !result.ok)).toBe(true);
    // The connection was given up with the stuck answer: the next notice goes out on a new one and is delivered.
    expect(await attemptDelivery(routeThrough(agent, `${origin}/win?n=4`), notice(4), deadlines)).toEqual({ ok: true, status: 204 });
  });
});
