import type Router from '@koa/router';
import type { Context } from 'koa';
import type { BrowserIdentity } from '../auction/context.js';
import { syncHookBudget } from '../hooks/hook-budget.js';
import { runFirst } from '../hooks/runners.js';
import type { SyncPurpose, SyncRequest } from '../hooks/stages.js';
import type { AppParts } from './app-parts.js';
import { publicUrlOf } from './public-url.js';

/** `GET /sync`: a partner binding its id to the browser, answered by the `sync` stage (`404` without a sync plugin). */
export function mountSyncRoutes(router: Router, parts: AppParts): void {
  router.get('/sync', async (ctx) => {
    const answer = await runSync(ctx, parts, 'bind');
    if (!answer) {
      ctx.status = 404;
      return;
    }
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
    if (answer.setCookies?.length) ctx.append('set-cookie', [...answer.setCookies]);
    if (answer.body !== undefined) ctx.body = answer.body;
  });
}

/** Runs the `sync` stage on a browser request; the first plugin that answers wins. */
async function runSync(ctx: Context, parts: AppParts, purpose: SyncPurpose) {
  // Without sync plugins (the common case for exchanges that do not bind ids) a tag request costs nothing here.
  if (parts.stages.sync.length === 0) return undefined;
  const request: SyncRequest = {
    purpose,
    path: ctx.path,
    query: Object.fromEntries(Object.entries(ctx.query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value])),
    headers: ctx.headers,
    clientIp: ctx.ip,
    cookies: parseCookies(ctx.get('cookie')),
  };
  return runFirst('sync', parts.stages.sync, { publicUrl: publicUrlOf(parts.config) }, request, {
    env: parts.env,
    budgetMs: syncHookBudget(parts.config.hooks.timeoutMs),
  });
}

/** Identifies the browser of a tag request through the `sync` stage, adding any cookie the plugin sets to the answer. */
export async function identifyBrowser(ctx: Context, parts: AppParts): Promise<BrowserIdentity | undefined> {
  const answer = await runSync(ctx, parts, 'identify');
  if (answer?.setCookies?.length) ctx.append('set-cookie', [...answer.setCookies]);
  return answer?.identity;
}

/** Parses a `Cookie` header into name → value (values left encoded as sent). */
function parseCookies(header: string): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}
