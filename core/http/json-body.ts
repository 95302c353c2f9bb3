import type { Context } from 'koa';
import { badRequest } from './bad-request.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { BodyError, readBody } from './read-body.js';

/**
 * Reads a request's JSON body (within `maxBytes`, gunzipped when sent so). What cannot be read is answered here and
 * `undefined` returned: `413`/`415`/`400` for the body, `400` for what is not JSON. `precheck` runs on the parsed
 * value before the depth bound is checked (a count to refuse first, cheaper than the walk), and its problem, if any,
 * is the `400`.
 */
export async function readJsonBody(
  ctx: Context,
  maxBytes: number,
  precheck?: (value: unknown) => { field: string; message: string } | undefined,
): Promise<{ value: unknown } | undefined> {
  let value: unknown;
  try {
    value = JSON.parse((await readBody(ctx.req, maxBytes)).toString('utf8'));
  } catch (error) {
    if (error instanceof BodyError) {
      ctx.status = error.status;
      ctx.body = { error: { field: '(body)', message: error.message } };
    } else {
      badRequest(ctx, '(body)', 'not valid JSON');
    }
    return undefined;
  }
  const problem = precheck?.(value);
  if (problem) return void badRequest(ctx, problem.field, problem.message);
  if (nestsDeeperThan(value)) return void badRequest(ctx, '(body)', `JSON nested deeper than ${MAX_JSON_DEPTH}`);
  return { value };
}
