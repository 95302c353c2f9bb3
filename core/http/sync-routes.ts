import type Router from '@koa/router';
import type { Context } from 'koa';
import type { BrowserIdentity } from '../auction/context.js';
import { syncHookBudget } from '../hooks/hook-budget.js';
import { runFirst } from '../hooks/runners.js';
import type { SyncPurpose, SyncRequest } from '../hooks/stages.js';
import type { AppParts } from './app-parts.js';
import { readJsonBody } from './json-body.js';
import { publicUrlOf } from './public-url.js';

/**
 * The browser's sync endpoints, each answered by the `sync` stage (`404` when no sync plugin answers):
 * `GET /sync` (purpose `bind`), and Prebid Server's `GET /setuid` (`setuid`) and `POST /cookie_sync` (`cookieSync`,
 * its JSON body within `server.maxBodyBytes`).
 */
export function mountSyncRoutes(router: Router, parts: AppParts): void {
  router.get('/sync', (ctx) => answerSync(ctx, parts, 'bind'));
  router.get('/setuid', (ctx) => answerSync(ctx, parts, 'setuid'));
  router.post('/cookie_sync', async (ctx) => {
    const body = await readJsonBody(ctx, parts.config.server.maxBodyBytes);
    if (body) await answerSync(ctx, parts, 'cookieSync', body.value);
  });
}

/** Answers a browser's sync request with the `sync` stage's answer, whole. */
async function answerSync(ctx: Context, parts: AppParts, purpose: Exclude<SyncPurpose, 'identify'>, body?: unknown): Promise<void> {
  const answer = await runSync(ctx, parts, purpose, body);
  if (!answer) {
    ctx.status = 404;
    return;
  }
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
  if (answer.setCookies?.length) ctx.append('set-cookie', [...answer.setCookies]);
  if (answer.body !== undefined) ctx.body = answer.body;
}

/** Runs the `sync` stage on a browser request; the first plugin that answers wins. */
async function runSync(ctx: Context, parts: AppParts, purpose: SyncPurpose, body?: unknown) {
  // Without sync plugins (the common case for exchanges that do not bind ids) a tag request costs nothing here.
  if (parts.stages.sync.length === 0) return undefined;
  const request: SyncRequest = {
    purpose,
    path: ctx.path,
    query: Object.fromEntries(Object.entries(ctx.query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value])),
    headers: ctx.headers,
    clientIp: ctx.ip,
    cookies: parseCookies(ctx.get('cookie')),
    ...(body === undefined ? {} : { body }),
  };
  return runFirst('sync', parts.stages.sync, { publicUrl: publicUrlOf(parts.config) }, request, {
    env: parts.env,
    budgetMs: syncHookBudget(parts.config.hooks.timeoutMs),
  });
}

/** Identifies the browser of an auction request through the `sync` stage, adding any cookie the plugin sets to the answer. */
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
