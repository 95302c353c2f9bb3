// The repository needs nothing beside it: a clone alone must pass. No file (except the top-level README.md)
// names the old sibling folder of test vectors, and no relative path in a file climbs out of the repository
// root from that file's own folder. Public data the tests read lives in test/vectors/ (see its README.md).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = realpathSync(fileURLToPath(new URL('..', import.meta.url)));

/** Files never scanned: the top-level README.md (the project's own story may name the old setup). */
const EXEMPT = new Set(['README.md']);
/** Binary files, by extension; anything else with a NUL byte near its start is skipped as binary too. */
const BINARY = /\.(mp4|webm|mov|png|gif|jpe?g|webp|ico|bmp|pdf|zip|gz|tgz|br|wasm|woff2?|ttf|otf|eot)$/i;
/** What names the sibling folder (spelled in pieces, so this file does not name it itself). */
const FORBIDDEN = [['..', 'shared'].join('/'), ['shared', 'vectors'].join('/')];
/**
 * A relative path that starts by climbing: one or more `../` not preceded by a path character (so the `../` inside
 * `https://a.example/b/../c` or `x/../y` is not one), after an optional `./`.
 */
const CLIMB = /(?<![\w.\/\\@%~-])(?:\.\/)?((?:\.\.\/)+)/g;

/** Tracked files and files not yet added (minus ignored ones), when ROOT is a git work tree's top; else undefined. */
function gitFiles(): string[] | undefined {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (realpathSync(git('rev-parse', '--show-toplevel').trim()) !== ROOT) return undefined;
    return git('ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  } catch {
    return undefined; // no git, or not a work tree
  }
}

/** The root .gitignore's simple patterns (`dir/`, `*.log`, `name.*.mjs`): what a walk without git skips. */
function ignoredByGitignore(): (name: string, isDirectory: boolean) => boolean {
  let lines: string[] = [];
  try {
    lines = readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  } catch {
    // no .gitignore
  }
  const patterns = lines.map((line) => {
    const directoryOnly = line.endsWith('/');
    const glob = line.replace(/^\/|\/$/g, '');
    const regex = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    return { directoryOnly, regex };
  });
  return (name, isDirectory) => patterns.some((p) => (isDirectory || !p.directoryOnly) && p.regex.test(name));
}

/** Every file under ROOT except node_modules, .git and what the root .gitignore ignores. */
function walkedFiles(): string[] {
  const ignored = ignoredByGitignore();
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.name === 'node_modules' || entry.name === '.git' || ignored(entry.name, entry.isDirectory())) continue;
      if (entry.isDirectory()) visit(relative);
      else files.push(relative);
    }
  };
  visit('');
  return files;
}

const inside = (target: string) => target === ROOT || target.startsWith(ROOT + path.sep);

/** `file:line: what` for every line of `file` (relative to ROOT, `/`-separated) that points outside the repository. */
function problemsOf(file: string, text: string): string[] {
  const problems: string[] = [];
  const dir = path.join(ROOT, path.dirname(file));
  text.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    for (const name of FORBIDDEN) if (line.includes(name)) problems.push(`${where}: names ${name}: ${line.trim().slice(0, 160)}`);
    for (const match of line.matchAll(CLIMB)) {
      if (!inside(path.resolve(dir, match[1]))) problems.push(`${where}: ${match[1]} leaves the repository from ${path.dirname(file)}/: ${line.trim().slice(0, 160)}`);
    }
  });
  return problems;
}

function scan(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (EXEMPT.has(file) || BINARY.test(file)) continue;
    const absolute = path.join(ROOT, file);
    let stat;
    try {
      stat = lstatSync(absolute);
    } catch {
      continue; // tracked but deleted in the work tree
    }
    if (stat.isSymbolicLink()) {
      const target = path.resolve(path.dirname(absolute), readlinkSync(absolute));
      if (!inside(target)) problems.push(`${file}: a symbolic link to ${target}, outside the repository`);
      continue;
    }
    if (!stat.isFile()) continue;
    const bytes = readFileSync(absolute);
    if (bytes.subarray(0, 8000).includes(0)) continue; // binary
    problems.push(...problemsOf(file, bytes.toString('utf8')));
  }
  return problems;
}

describe('the repository stands alone', () => {
  it('no file names the sibling vectors folder or climbs out of the repository root', () => {
    const files = gitFiles() ?? walkedFiles();
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain('package.json');
    expect(scan(files)).toEqual([]);
  });

  it('the check itself: catches the old sibling path and a climb out, lets a climb that stays inside pass', () => {
    const sibling = ['..', '..', '..', 'shared', 'vectors', 'x.json'].join('/');
    // Both names, and three levels up from plugins/foo/ is outside.
    expect(problemsOf('plugins/foo/a.ts', `const v = new URL('${sibling}', import.meta.url);`)).toHaveLength(3);
    const out = ['..', '..', '..', 'x.ts'].join('/');
    expect(problemsOf('plugins/foo/a.ts', `import x from '${out}';`)).toEqual([expect.stringMatching(/^plugins\/foo\/a\.ts:1: /)]);
    const up2 = ['..', '..', ''].join('/');
    const staysInside = `import x from '${up2}core/x.js';\n// see ./../bar and https://a.example/b/${up2}${up2}c, or a/${up2}b`;
    expect(problemsOf('plugins/foo/a.ts', staysInside)).toEqual([]);
    expect(problemsOf('vitest.config.ts', `const up = '${['..', 'sibling'].join('/')}';`)).toHaveLength(1);
  });

  it('the walk without git finds what git lists', () => {
    const listed = gitFiles();
    if (!listed) return; // not a git work tree: the first test already walked
    const walked = new Set(walkedFiles());
    expect(listed.filter((file) => !walked.has(file) && existsSync(path.join(ROOT, file)))).toEqual([]);
  });
});
