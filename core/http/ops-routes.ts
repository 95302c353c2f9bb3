import type Router from '@koa/router';
import type { AppParts } from './app-parts.js';

/** `GET /healthz` (liveness), `GET /readyz` (readiness: `503` with reasons; degraded parts listed) and `GET /metrics` (Prometheus). */
export function mountOpsRoutes(router: Router, parts: AppParts): void {
  // Liveness: the process answers. Readiness: it should be sent traffic (not draining, plugins ready).
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', (ctx) => {
    const { reasons, degraded } = parts.readiness();
    ctx.set('cache-control', 'no-store');
    if (reasons.length === 0) {
      ctx.body = degraded.length ? { status: 'ready', degraded } : { status: 'ready' };
      return;
    }
    ctx.status = 503;
    ctx.body = { status: 'unavailable', reasons };
  });

  router.get('/metrics', async (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.type = parts.metrics.contentType;
    ctx.body = await parts.metrics.exposition();
  });
}
