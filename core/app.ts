import Router from '@koa/router';
import Koa from 'koa';
import type { AppParts } from './http/app-parts.js';
import { mountCacheRoutes } from './http/cache-routes.js';
import { cors } from './http/cors.js';
import { mountOpenRtbRoutes } from './http/openrtb-routes.js';
import { mountOpsRoutes } from './http/ops-routes.js';
import { staticFiles } from './http/static-files.js';
import { mountSyncRoutes } from './http/sync-routes.js';
import { mountTagRoutes } from './http/tag-routes.js';
import { mountTrackerRoutes } from './http/tracker-routes.js';

/**
 * The Koa application: each endpoint family's routes (core/http/*-routes.ts) → the auction pipeline, nothing
 * else. Errors inside a request become a 500 and a log line; the process never crashes on input.
 */
export function createApp(parts: AppParts): Koa {
  const { config, log } = parts;
  const app = new Koa({ proxy: config.server.trustProxy });
  const router = new Router();

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      log.error({ err: error, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: { field: null, message: 'internal error' } };
    }
    if (parts.draining()) ctx.set('connection', 'close');
  });

  if (config.server.cors) app.use(cors(config.server.cors.origins));
  mountTagRoutes(router, parts);
  mountOpenRtbRoutes(router, parts);
  mountSyncRoutes(router, parts);
  mountTrackerRoutes(router, parts);
  if (parts.cache) mountCacheRoutes(router, parts, parts.cache);
  mountOpsRoutes(router, parts);

  if (config.server.static) app.use(staticFiles(config.server.static.path, config.server.static.dir));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error) => log.warn({ err: error }, 'connection error'));
  return app;
}
