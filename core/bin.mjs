#!/usr/bin/env -S node --min-semi-space-size=4 --max-old-space-size=1024
// The `rtb` command. From a clone (the .ts sources are next to this file), the CLI and the config file, with
// every framework, plugin and example module they import, are compiled by esbuild into one bundle
// (core/bundle.mjs) and the CLI runs from it, as vitest compiles the same sources for the tests; stack traces
// point into the .ts sources. From an installed package (sources not shipped), the CLI runs from the compiled
// JavaScript in dist/ and only the user's config file is compiled, importing the package (`rtb-exchange`) as
// any other: one copy of the framework either way. The shebang's Node flags are core/node-flags.mjs's (run as
// `node core/bin.mjs`, pass them yourself: `npm start` does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIG_SEARCH_PLACES } from './config/search-places.mjs';

/** The config file the CLI will load, when it is a module to compile (not JSON, and it exists). */
function configModule(argv) {
  const { values } = parseArgs({ args: argv, strict: false, allowPositionals: true, options: { config: { type: 'string', short: 'c' } } });
  const file = typeof values.config === 'string'
    ? path.resolve(values.config)
    : CONFIG_SEARCH_PLACES.map((name) => path.resolve(name)).find((candidate) => existsSync(candidate));
  return file && existsSync(file) && !file.endsWith('.json') ? file : undefined;
}

/**
 * Compiles `entries` with core/bundle.mjs in a child process, so that esbuild's JavaScript API (about 10 MB of RSS)
 * is never loaded into the exchange's processes; returns each entry's bundled module URL. On a compile error,
 * prints one line per error, naming the file and the place, and exits.
 */
function compileInChild(entries, options) {
  const compiler = fileURLToPath(new URL('./bundle.mjs', import.meta.url));
  const child = spawnSync(process.execPath, [compiler, JSON.stringify({ entries, options })], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const answer = child.status === 0 ? JSON.parse(child.stdout) : { failure: `the compiler exited with ${child.status ?? child.signal}` };
  if (answer.modules) return new Map(answer.modules);
  if (answer.failure) {
    // Not a compile error: the bundle could not be written (the temp directory, set by TMPDIR, is not writable).
    process.stderr.write(`RTB_ERR_BUNDLE cannot write the compiled bundle: ${answer.failure}\n`);
    process.exit(1);
  }
  for (const { text, location } of answer.errors) {
    const where = location ? `${path.relative(process.cwd(), location.file) || location.file}:${location.line}:${location.column}` : path.relative(process.cwd(), config ?? cli);
    process.stderr.write(`RTB_ERR_CONFIG_LOAD ${where}: cannot compile: ${text}\n`);
  }
  process.exit(1);
}

process.setSourceMapsEnabled(true);
const argv = process.argv.slice(2);
const source = fileURLToPath(new URL('./cli.ts', import.meta.url));
const fromSource = existsSync(source);
const cli = fromSource ? source : fileURLToPath(new URL('../dist/core/cli.js', import.meta.url));
const config = configModule(argv);
const entries = [fromSource ? cli : undefined, config].filter(Boolean);
let modules = new Map();
if (entries.length > 0) modules = compileInChild(entries, fromSource ? {} : { from: path.dirname(config), tsconfig: null });
const { runCli } = await import(fromSource ? modules.get(cli) : pathToFileURL(cli).href);
await runCli(argv, modules);
