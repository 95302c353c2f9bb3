import type { Context } from 'koa';

/** Answers 400 with a JSON body naming the bad field: `{ error: { field, message } }`. */
export function badRequest(ctx: Context, field: string, message: string): void {
  ctx.status = 400;
  ctx.body = { error: { field, message } };
}
