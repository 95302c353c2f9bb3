import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The public test vectors kept in the repository (`test/vectors/`), as an absolute path ending in a path
 * separator, so `${VECTORS}iab-vast/vast4.xsd` and `join(VECTORS, 'iab-vast')` both work. Each sub-folder is
 * one upstream source with its files verbatim at their upstream sub-paths; test/vectors/README.md names the
 * project and commit each comes from, and its licence.
 */
export const VECTORS = fileURLToPath(new URL('./vectors/', import.meta.url));

/** The absolute path of a vector file, given relative to `test/vectors/` (e.g. `adx-crypto/vectors.json`). */
export function vectorPath(relative: string): string {
  return join(VECTORS, relative);
}

/** A vector file's text (UTF-8), given relative to `test/vectors/`. */
export function readVector(relative: string): string {
  return readFileSync(vectorPath(relative), 'utf8');
}
