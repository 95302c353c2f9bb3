import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The public API is the only door (issue 15): a built-in plugin imports what an outside plugin can import, the
// package's entry points (`rtb-exchange` = core/index.ts, `rtb-exchange/testing` = core/testing/index.ts), and
// its own folder's files; never a core internal, never another plugin's folder. The composition root
// (plugins/builtin.ts) lists the plugins, and is the one file that imports them all.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC_API = 'core/index.ts';
const TEST_KIT = 'core/testing/index.ts';

function sourcesUnder(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.[mc]?ts$/.test(file) && !file.endsWith('.d.ts') && !file.endsWith('.d.mts'))
    .map((file) => path.posix.join(folder, file.split(path.sep).join('/')));
}

/** The repository files `file` imports by a relative path (packages and `node:` modules are not listed). */
function relativeImports(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|(?:^|\n)\s*import\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
    const spec = match[1] ?? match[2] ?? match[3]!;
    found.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return found;
}

const isTest = (file: string) => /\.test\.ts$/.test(file) || file.endsWith('/test-helpers.ts');

describe('the public API is the only door', () => {
  it('a built-in plugin imports only the package entry points and its own folder (tests: the test kit and test/ too)', () => {
    const wrong: string[] = [];
    for (const file of sourcesUnder('plugins')) {
      if (file === 'plugins/builtin.ts') continue;
      const own = file.split('/').slice(0, 2).join('/') + '/';
      for (const target of relativeImports(file)) {
        const allowed = target.startsWith(own) || target === PUBLIC_API || (isTest(file) && (target === TEST_KIT || target.startsWith('test/')));
        if (!allowed) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('core modules never import a plugin or the public API (only the composition root and the test kit do)', () => {
    const wrong: string[] = [];
    for (const file of sourcesUnder('core')) {
      if (file === 'core/cli.ts' || file === PUBLIC_API || file.startsWith('core/testing/') || isTest(file)) continue;
      for (const target of relativeImports(file)) {
        if (target.startsWith('plugins/') || target === PUBLIC_API || target === TEST_KIT) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the finder sees the imports it checks (a plugin reaching into core internals would be caught)', () => {
    expect(relativeImports('plugins/kakao-dialect/index.ts')).toContain(PUBLIC_API);
    expect(relativeImports('core/exchange.ts').some((target) => target.startsWith('core/') && target !== PUBLIC_API)).toBe(true);
  });
});
