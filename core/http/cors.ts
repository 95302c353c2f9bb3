import type { Middleware } from 'koa';

/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for the pages `origins` allows (`server.cors`), as Prebid.js needs it: its requests carry credentials (the
 * exchange's cookies), so an allowed page's own origin is echoed (never `*`) with `Access-Control-Allow-Credentials:
 * true`, on every answer and on preflights (`OPTIONS`: `204` with the methods and the headers the page asked for).
 * Other origins get no CORS header (the browser keeps the answer from the page); a preflight of theirs is `403`.
 */
export function cors(origins: '*' | readonly string[]): Middleware {
  const allowed = origins === '*' ? () => true : (origin: string) => origins.includes(origin);
  return async (ctx, next) => {
    const origin = ctx.get('origin');
    ctx.vary('Origin');
    const preflight = ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '';
    if (!origin || !allowed(origin)) {
      if (preflight && origin) {
        ctx.status = 403;
        return;
      }
      return next();
    }
    ctx.set('access-control-allow-origin', origin);
    ctx.set('access-control-allow-credentials', 'true');
    if (preflight) {
      ctx.set('access-control-allow-methods', 'GET, POST, OPTIONS');
      ctx.set('access-control-allow-headers', ctx.get('access-control-request-headers') || 'content-type');
      ctx.set('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
      ctx.status = 204;
      return;
    }
    return next();
  };
}
