// The benchmark baselines' whole exchange logic, shared by the node:http one (baseline.ts) and the bare Koa
// one (koa-baseline.ts): build the bid request, fan out to every bidder over keep-alive pools with one
// deadline, parse the answers, run a second-price auction, write one JSON log line, answer JavaScript.
// No framework, no plugins, no validation beyond the essentials: the floor of what an exchange can cost.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Pool } from 'undici';

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

/** What a tag request tells the baseline exchange. */
export interface BaselineVisit {
  readonly site: string | null;
  readonly mincpm: string | null;
  readonly referer?: string;
  readonly userAgent?: string;
  readonly ip?: string;
}

/** One auction for a tag request: the JavaScript answer, or null for no ad (204). */
export async function baselineAuction(visit: BaselineVisit): Promise<string | null> {
  const floor = Math.round(Number(visit.mincpm ?? 0) * 1e6);
  const id = randomUUID();
  const body = JSON.stringify({ id, imp: [{ id: '1', banner: { w: 300, h: 250 }, bidfloor: floor / 1e6 }], site: { id: visit.site, page: visit.referer }, device: { ua: visit.userAgent, ip: visit.ip }, tmax, at: 2, cur: ['USD'] });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), tmax);
  const answers = await Promise.all(bidders.map((bidder) => ask(bidder, body, controller.signal)));
  clearTimeout(timer);
  const ranked = answers.filter((a): a is { price: number; adm: string } => a !== null && a.price >= floor).sort((a, b) => b.price - a.price);
  const [winner, second] = ranked;
  const paid = winner ? Math.min(winner.price, Math.max(floor, second ? second.price + 10_000 : floor)) : null;
  log.write(`${JSON.stringify({ auctionId: id, day: new Date().toISOString().slice(0, 10), bidders: answers.map((a) => a?.price ?? null), paid })}\n`);
  return winner ? `document.write(${JSON.stringify(winner.adm)});` : null;
}

// Exits normally on SIGTERM (so that a --cpu-prof profile is written).
process.on('SIGTERM', () => process.exit(0));
