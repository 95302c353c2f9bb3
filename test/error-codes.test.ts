import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../core/config/error-codes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every source file under `dir` (TypeScript and ES modules), tests left out. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'node_modules' ? [] : sources(file);
    return /\.(ts|mjs)$/.test(name) && !/\.test\.ts$/.test(name) ? [file] : [];
  });
}

describe('the error catalogue', () => {
  it('holds every RTB_ERR_* code the sources use', () => {
    const used = new Map<string, string>();
    for (const file of ['core', 'plugins', 'examples'].flatMap((dir) => sources(path.join(root, dir)))) {
      for (const [code] of readFileSync(file, 'utf8').matchAll(/RTB_ERR_[A-Z_]+/g)) used.set(code, path.relative(root, file));
    }
    const unknown = [...used].filter(([code]) => !Object.hasOwn(ERROR_CODES, code));
    expect(unknown, 'codes used but not in core/config/error-codes.ts').toEqual([]);
    expect(used.size).toBeGreaterThan(10);
  });

  it('is the README\'s table of codes, code for code and meaning for meaning', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `(RTB_ERR_[A-Z_]+)` \| (.*) \|$/gm)].map(([, code, meaning]) => [code, meaning]);
    expect(rows).toEqual(Object.entries(ERROR_CODES));
  });
});
