// The module hooks `rtb` runs TypeScript with (registered by core/bin.mjs): each `.ts` module is compiled by
// esbuild, as tsx and vitest do, but without tsx's `keepNames`, which wraps every function created at run time
// in a `__name(…)` call (Object.defineProperty): measurable on the per-auction path. The compiler options are
// read from tsconfig.json. Imports written `./x.js`, as NodeNext wants, resolve to `./x.ts` when only the
// TypeScript file exists.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const TS_FILE = /\.m?ts$/;
const JS_SPECIFIER = /\.(m)?js$/;

/** The project's tsconfig.json: esbuild honours the options that change emitted code (legacy decorators, class fields). */
const tsconfigRaw = JSON.parse(readFileSync(new URL('../tsconfig.json', import.meta.url), 'utf8'));

/** `./x.js` written in a TypeScript module → `./x.ts` when `./x.js` does not exist. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fromTypeScript = context.parentURL !== undefined && TS_FILE.test(context.parentURL);
    if (!fromTypeScript || error?.code !== 'ERR_MODULE_NOT_FOUND' || !JS_SPECIFIER.test(specifier)) throw error;
    return nextResolve(specifier.replace(JS_SPECIFIER, '.$1ts'), context);
  }
}

/** Compiles `.ts` modules to ES modules, with an inline source map for stack traces. */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TS_FILE.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file, tsconfigRaw });
  return { format: 'module', source: code, shortCircuit: true };
}
