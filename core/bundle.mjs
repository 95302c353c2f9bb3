// How `rtb` runs TypeScript: before anything else loads, esbuild compiles the CLI and the config file (with all
// the framework, plugin and example modules they import) into one ES-module bundle, split so the two entries
// share their modules, and the CLI runs from it. No module hooks stay loaded: a hooks thread and the esbuild
// service would otherwise cost every process (and every cluster worker) about 25 MB for its whole life.
// Packages stay outside the bundle, imported by their resolved file URLs, so the bundle can live in the OS temp
// directory (an install may be read-only). The output is content-addressed: the workers of a cluster, and every
// later start with the same sources, reuse one copy. Source maps point stack traces back to the .ts files.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_FILE = /\.(?:[mc]?ts|m?js)$/;
/** Where bundles are written: the OS temp directory, one folder per user (another user's is not writable). */
const BUNDLES = path.join(tmpdir(), `rtb-bundles-${process.getuid?.() ?? 'user'}`);
/** Bundles older than this, from earlier sources, are removed at start-up. */
const STALE_MS = 24 * 3600_000;

/**
 * Compiles `entries` (absolute paths of the CLI and, when there is one, the config file) into a bundle in
 * `<tmpdir>/rtb-bundles-<uid>/<content hash>/` and returns each entry's bundled module URL, by entry path.
 * `from` is the folder the entries' output paths are kept relative to, and `tsconfig` the compiler settings: by
 * default the framework's own (its sources, run from a clone); an installed package compiles only the user's
 * config, from its folder, with the tsconfig.json esbuild finds next to it.
 */
export async function bundle(entries, { from = root, tsconfig = path.join(root, 'tsconfig.json') } = {}) {
  const result = await build({
    entryPoints: entries,
    outbase: from,
    outdir: path.join(BUNDLES, 'out'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    ...(tsconfig ? { tsconfig } : {}),
    sourcemap: 'linked',
    sourcesContent: false,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [packagesByFileUrl, sourceLocationMeta],
  });
  await stop();
  const hash = createHash('sha256');
  for (const file of result.outputFiles) hash.update(file.path).update(file.contents);
  const dir = path.join(BUNDLES, hash.digest('hex').slice(0, 16));
  const placeholder = path.join(BUNDLES, 'out');
  if (existsSync(dir)) touch(dir);
  else writeBundle(result.outputFiles, placeholder, dir);
  pruneStale(path.dirname(dir), dir);
  const modules = new Map();
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const bundled = path.join(dir, path.relative(placeholder, path.resolve(output)));
    modules.set(path.resolve(meta.entryPoint), pathToFileURL(bundled).href);
  }
  return modules;
}

/** Writes the files into a fresh directory, then renames it into place (a concurrent start may win the race). */
function writeBundle(files, placeholder, dir) {
  const staging = `${dir}.${process.pid}.tmp`;
  for (const file of files) {
    const target = path.join(staging, path.relative(placeholder, file.path));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.contents);
  }
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Marks a reused bundle as in use, so that another start's pruning leaves it alone. */
function touch(dir) {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch {
    // Pruned meanwhile: the next start writes it again.
  }
}

function pruneStale(parent, keep) {
  for (const name of readdirSync(parent)) {
    const dir = path.join(parent, name);
    try {
      if (dir !== keep && Date.now() - statSync(dir).mtimeMs > STALE_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}

/** Bare package imports stay outside the bundle, as the file URL Node would load for the importing file. */
const packagesByFileUrl = {
  name: 'packages-by-file-url',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.path.startsWith('node:') || args.path.startsWith('file:')) return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (resolved.external || !path.isAbsolute(resolved.path)) return { path: args.path, external: true };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};

/** `import.meta.url` keeps meaning the source file's URL (files next to it, e.g. a `.proto`, are found). */
const sourceLocationMeta = {
  name: 'source-location-meta',
  setup(builder) {
    builder.onLoad({ filter: SOURCE_FILE }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: /ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

/**
 * Run as a script (core/bin.mjs does, in a child process): compiles the `{ entries, options }` given as JSON in the
 * first argument and prints `{ modules: [[entry, url], …] }`, or `{ errors }` (compile errors: text and location),
 * or `{ failure }` (the bundle could not be written), as JSON on stdout.
 */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { entries, options } = JSON.parse(process.argv[2]);
  const answer = await bundle(entries, options).then(
    (modules) => ({ modules: [...modules] }),
    (error) => (Array.isArray(error?.errors) ? { errors: error.errors.map(({ text, location }) => ({ text, location })) } : { failure: error instanceof Error ? error.message : String(error) }),
  );
  process.stdout.write(JSON.stringify(answer));
}
