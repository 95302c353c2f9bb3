// The benchmark's baseline: a minimal hand-written exchange on node:http + undici doing the same work as
// the framework for `GET /ad` — build the bid request, fan out to every bidder over keep-alive pools with one
// deadline, parse the answers, run a second-price auction, write one JSON log line, answer JavaScript.
// No framework, no plugins, no validation beyond the essentials: the floor of what the framework can cost.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.env.PORT);
const bidders = (process.env.BIDDERS ?? '').split(',').map((url) => ({ url, pool: new Pool(new URL(url).origin, { connections: 32 }), path: new URL(url).pathname }));
const tmax = 300;
const log = createWriteStream(process.env.LOG_FILE ?? '/dev/null', { flags: 'a' });

async function ask(bidder: (typeof bidders)[number], body: string, signal: AbortSignal): Promise<{ price: number; adm: string } | null> {
  try {
    const response = await bidder.pool.request({ method: 'POST', path: bidder.path, body, signal, headers: { 'content-type': 'application/json', 'x-openrtb-version': '2.6' } });
    const text = await response.body.text();
    if (response.statusCode !== 200 || !text) return null;
    const bid = JSON.parse(text).seatbid?.[0]?.bid?.[0];
    return bid && typeof bid.price === 'number' && bid.adm ? { price: Math.round(bid.price * 1e6), adm: bid.adm } : null;
  } catch {
    return null;
  }
}

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const floor = Math.round(Number(url.searchParams.get('mincpm') ?? 0) * 1e6);
  const id = randomUUID();
  const body = JSON.stringify({ id, imp: [{ id: '1', banner: { w: 300, h: 250 }, bidfloor: floor / 1e6 }], site: { id: url.searchParams.get('site'), page: req.headers.referer }, device: { ua: req.headers['user-agent'], ip: req.socket.remoteAddress }, tmax, at: 2, cur: ['USD'] });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), tmax);
  const answers = await Promise.all(bidders.map((bidder) => ask(bidder, body, controller.signal)));
  clearTimeout(timer);
  const ranked = answers.filter((a): a is { price: number; adm: string } => a !== null && a.price >= floor).sort((a, b) => b.price - a.price);
  const [winner, second] = ranked;
  const paid = winner ? Math.min(winner.price, Math.max(floor, second ? second.price + 10_000 : floor)) : null;
  log.write(`${JSON.stringify({ auctionId: id, day: new Date().toISOString().slice(0, 10), bidders: answers.map((a) => a?.price ?? null), paid })}\n`);
  if (!winner) {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/javascript' }).end(`document.write(${JSON.stringify(winner.adm)});`);
}).listen(port, '127.0.0.1', () => process.stdout.write(`baseline listening on ${port}\n`));

// Exits normally on SIGTERM (so that a --cpu-prof profile is written).
process.on('SIGTERM', () => process.exit(0));
