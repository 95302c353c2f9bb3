import type { z } from 'zod';
import { unknownKeyProblem } from './nearest-key.js';

/** Wrappers whose inner schema holds the keys (`.default()`, `.optional()`, a transform's input …). */
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

interface SchemaDef {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly valueType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

const defOf = (schema: z.ZodType | undefined): SchemaDef | undefined => (schema as { _zod?: { def: SchemaDef } } | undefined)?._zod?.def;

function unwrapped(schema: z.ZodType | undefined): z.ZodType | undefined {
  let node = schema;
  for (let def = defOf(node); def; def = defOf(node)) {
    if (WRAPPERS.has(def.type)) node = def.innerType;
    else if (def.type === 'pipe') node = def.in;
    else break;
  }
  return node;
}

/** The schemas a value at `schema` may match: its wrappers removed, a union as its options. */
function alternatives(schema: z.ZodType | undefined): z.ZodType[] {
  const node = unwrapped(schema);
  const def = defOf(node);
  if (def?.type === 'union') return (def.options ?? []).flatMap(alternatives);
  return node ? [node] : [];
}

/** The keys the object schema at `path` of `schema` knows (the objects of a union together), for suggestions. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let nodes = alternatives(schema);
  for (const key of path) {
    nodes = nodes.flatMap((node) => {
      const def = defOf(node);
      if (def?.type === 'object') return alternatives(def.shape?.[String(key)]);
      if (def?.type === 'record') return alternatives(def.valueType);
      if (def?.type === 'array') return alternatives(def.element);
      return [];
    });
  }
  return [...new Set(nodes.flatMap((node) => (defOf(node)?.type === 'object' ? Object.keys(defOf(node)!.shape ?? {}) : [])))];
}

/**
 * One line per problem of a failed parse of `schema`, each naming its key below `at` (`bidders.dsp.endpoint: not a
 * URL`); an unknown key names the nearest known one.
 */
export function issueLines(error: z.ZodError, schema: z.ZodType, at = ''): string[] {
  return error.issues.flatMap((issue) => {
    const where = [at, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => unknownKeyProblem(where, key, knownKeysAt(schema, issue.path)));
    return [`${where || '(config)'}: ${issue.message}`];
  });
}
