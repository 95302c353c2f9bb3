// The same minimal exchange (baseline-auction.ts) behind Koa and @koa/router, as the framework serves it: the
// bench's measure of what Koa itself costs, apart from the framework's own work.
import Router from '@koa/router';
import Koa from 'koa';
import { baselineAuction } from './baseline-auction.js';

const app = new Koa();
const router = new Router();
router.get('/ad', async (ctx) => {
  const { site, mincpm } = ctx.query;
  const script = await baselineAuction({ site: typeof site === 'string' ? site : null, mincpm: typeof mincpm === 'string' ? mincpm : null, referer: ctx.get('referer') || undefined, userAgent: ctx.get('user-agent') || undefined, ip: ctx.ip });
  if (script === null) {
    ctx.status = 204;
    return;
  }
  ctx.type = 'application/javascript';
  ctx.body = script;
});
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write(`koa baseline listening on ${process.env.PORT}\n`));
