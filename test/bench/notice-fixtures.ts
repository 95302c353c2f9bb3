// What the notices benches feed the plugin: the benchmark's auctions as notice events, and receivers for them.
import { spawn, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import type { Award, Loss } from '../../core/auction/bids.js';
import type { AuctionContext } from '../../core/auction/context.js';
import type { AuctionNoticeEvent } from '../../core/hooks/stages.js';

const silent = pino({ level: 'silent' });

/** 4 node:http receivers in a child process (`204` to every GET, keep-alive): their ports; `stop` ends them. */
export async function startReceivers(): Promise<{ ports: number[]; child: ChildProcess; stop: () => void }> {
  const code = `
    const http = require('node:http');
    const servers = [0, 1, 2, 3].map(() => http.createServer({ keepAliveTimeout: 60000 }, (req, res) => { req.resume(); res.writeHead(204); res.end(); }));
    Promise.all(servers.map((s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(s.address().port)))))
      .then((ports) => process.stdout.write(JSON.stringify(ports) + '\\n'));
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.on('exit', (exitCode) => reject(new Error(`receivers exited ${exitCode}`)));
  });
  return { ports, child, stop: () => child.stdin!.end() };
}

/**
 * One auction's notice event as the benchmark's auctions make them: dsp-1 wins (its `nurl`), dsp-2..4 lose (their
 * `lurl`), each bidder's notices going to its receiver in `ports`.
 */
export function auctionNoticeEvent(auctionId: string, ports: readonly number[], startedAt = Date.now()): AuctionNoticeEvent {
  const auction: AuctionContext = {
    auctionId, request: { id: auctionId, imp: [{ id: '1', banner: { w: 300, h: 250 } }] }, origin: 'tag',
    floors: new Map([['1', 500_000]]), currency: 'USD', startedAt, deadline: 0, log: silent,
  };
  const candidate = (i: number) => ({
    bidder: `dsp-${i + 1}`, arrival: i, priceMicros: 2_000_000 - i * 250_000, currency: 'USD', admFormat: 'html' as const,
    bid: {
      id: `b${i}`, impid: '1', price: 2 - i * 0.25, adm: '<b>ad</b>', mtype: 1,
      nurl: `http://127.0.0.1:${ports[i]}/win?auction=\${AUCTION_ID}&price=\${AUCTION_PRICE}`,
      lurl: `http://127.0.0.1:${ports[i]}/loss?auction=\${AUCTION_ID}&loss=\${AUCTION_LOSS}&min=\${AUCTION_MIN_TO_WIN}`,
    },
  });
  const awards: Award[] = [{ candidate: candidate(0), clearingMicros: 1_760_000, minToWinMicros: 1_750_000 }];
  const losses: Loss[] = [1, 2, 3].map((i) => ({ candidate: candidate(i), code: 102, minToWinMicros: 1_760_000 }));
  return { type: 'auction', auction, outcome: { awards, losses }, bidders: [] };
}
