import type { StageContracts, StageName } from './stages.js';

/**
 * What is wrong with a hook's result against its stage's contract, or undefined when it keeps to it. Results come
 * from plugins: anything else (`null`, an update of the wrong shape, a rejection without a code, an award above
 * its bid) is that plugin's failure, and its contribution is dropped. `input` is what the hook was given.
 */
export type ResultCheck<S extends StageName> = (result: unknown, input: StageContracts[S]['input']) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isMicros = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The result's action among `allowed`, or why not; `update` needs a `value` that `value` accepts. */
function shaped(result: unknown, allowed: readonly string[], value?: (value: unknown) => string | undefined): string | undefined {
  if (!isObject(result)) return `not a hook result (${result === null ? 'null' : typeof result}): return noop(), update(…)${allowed.includes('reject') ? ' or reject(…)' : ''}`;
  if (typeof result.action !== 'string' || !allowed.includes(result.action)) return `action ${JSON.stringify(result.action)} is not one of ${allowed.join(', ')}`;
  if (result.action === 'reject') {
    if (!Number.isSafeInteger(result.code) || (result.code as number) < 0) return 'reject(code, reason): code must be a non-negative integer (an OpenRTB loss reason)';
    if (typeof result.reason !== 'string') return 'reject(code, reason): reason must be a string';
  }
  if (result.action === 'update' && value) return value(result.value);
  return undefined;
}

/** Each stage's check; `notices` results are ignored, so none is needed. */
export const RESULT_CHECKS: { readonly [S in StageName]?: ResultCheck<S> } = {
  requestBuild: (result) => shaped(result, ['noop', 'update'], (value) =>
    isObject(value) && typeof value.id === 'string' && Array.isArray(value.imp) && value.imp.length > 0 ? undefined : 'update(request): a BidRequest with an id and imps'),
  bidValidate: (result) => shaped(result, ['noop', 'reject']),
  auction: (result, input) => shaped(result, ['noop', 'update'], (value) => {
    if (!isObject(value) || !Array.isArray(value.awards) || !Array.isArray(value.losses)) return 'update(outcome): an outcome with awards and losses';
    const candidates = new Set<unknown>(input.candidates);
    for (const award of value.awards as unknown[]) {
      if (!isObject(award) || !candidates.has(award.candidate)) return 'an award must name one of the candidates it was given';
      const bid = award.candidate as { priceMicros: number };
      if (!isMicros(award.clearingMicros) || award.clearingMicros > bid.priceMicros) return 'an award\'s clearingMicros must be integer micros, at most the bid\'s price';
      if (!isMicros(award.minToWinMicros)) return 'an award\'s minToWinMicros must be integer micros';
    }
    return undefined;
  }),
  admRewrite: (result) => shaped(result, ['noop', 'update'], (value) =>
    isObject(value) && typeof value.adm === 'string' && typeof value.format === 'string' ? undefined : 'update(markup): a markup with a string adm and its format'),
  sync: (result) => shaped(result, ['noop', 'update'], (value) => {
    if (!isObject(value) || !Number.isSafeInteger(value.status) || (value.status as number) < 100 || (value.status as number) > 599) return 'update(answer): an answer with an HTTP status';
    if (value.setCookies !== undefined && !(Array.isArray(value.setCookies) && value.setCookies.every((cookie) => typeof cookie === 'string'))) return 'setCookies must be strings';
    if (value.headers !== undefined && !isObject(value.headers)) return 'headers must be an object';
    return undefined;
  }),
};
