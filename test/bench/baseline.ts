// The benchmark's baseline: the minimal exchange of baseline-auction.ts on bare node:http.
import { createServer } from 'node:http';
import { baselineAuction } from './baseline-auction.js';

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const script = await baselineAuction({ site: url.searchParams.get('site'), mincpm: url.searchParams.get('mincpm'), referer: req.headers.referer, userAgent: req.headers['user-agent'], ip: req.socket.remoteAddress });
  if (script === null) res.writeHead(204).end();
  else res.writeHead(200, { 'content-type': 'application/javascript' }).end(script);
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write(`baseline listening on ${process.env.PORT}\n`));
