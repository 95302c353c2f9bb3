import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Middleware } from 'koa';

/** Content types of the files a publisher page is made of; anything else is sent as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/**
 * `server.static`: serves the files of `dir` under `urlPath` (`GET`/`HEAD` only; `urlPath` itself redirects to
 * `urlPath/`, a folder answers its `index.html`). Nothing outside `dir` is reachable: `..`, encoded or not, and
 * NUL bytes are refused, and a file is served only when its real path (symbolic links resolved) is inside `dir`'s. Meant for a demo publisher page beside the exchange, not as a CDN: files are read on
 * every request and sent with `cache-control: no-cache`. Other paths go on to the exchange's routes.
 */
export function staticFiles(urlPath: string, dir: string): Middleware {
  const prefix = urlPath.replace(/\/+$/, '');
  const root = path.resolve(dir);
  // The folder's own real path, once: a link inside it may point anywhere, so each file's is compared to it.
  let realRoot: Promise<string> | undefined;
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`))) return next();
    if (ctx.path === prefix) {
      ctx.redirect(`${prefix}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(ctx.path.slice(prefix.length + 1));
    } catch {
      ctx.status = 400;
      return;
    }
    if (relative === '' || relative.endsWith('/')) relative += 'index.html';
    const file = path.resolve(root, relative);
    if (relative.includes('\0') || !isInside(root, file)) {
      ctx.status = 404;
      return;
    }
    realRoot ??= realpath(root).catch(() => root);
    const real = await realpath(file).catch(() => undefined);
    const info = real === undefined || !isInside(await realRoot, real) ? undefined : await stat(real).catch(() => undefined);
    if (!info?.isFile()) {
      ctx.status = 404;
      return;
    }
    ctx.type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    ctx.set('cache-control', 'no-cache');
    ctx.body = await readFile(real!);
  };
}

/** Whether `file` is `root` or below it (both absolute, normalised). */
function isInside(root: string, file: string): boolean {
  const inside = path.relative(root, file);
  return inside !== '' && !inside.startsWith('..') && !path.isAbsolute(inside);
}
