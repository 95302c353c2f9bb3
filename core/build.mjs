// `npm run build` (and `npm pack`, through `prepack`): compiles the framework and the built-in plugins into dist/
// with their .d.ts files (tsconfig.build.json: no tests), then copies beside them the files they load at run
// time that tsc does not emit: the plain ES modules core shares with the `rtb` command (*.mjs with their *.d.mts)
// and the adx dialect's .proto. An installed package runs from dist/ (core/bin.mjs).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const RUNTIME_FILE = /\.(?:mjs|d\.mts|proto)$/;

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
for (const folder of ['core', 'plugins']) {
  for (const entry of readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !RUNTIME_FILE.test(entry.name) || entry.name === 'bin.mjs' || entry.name === 'build.mjs') continue;
    const from = path.join(entry.parentPath, entry.name);
    const to = path.join(dist, path.relative(root, from));
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
}
