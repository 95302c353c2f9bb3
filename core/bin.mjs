#!/usr/bin/env node
// The `rtb` command. The framework, its plugins and TypeScript configs are compiled at load time by esbuild
// (core/ts-loader.mjs), as vitest compiles them for the tests; stack traces point into the .ts sources.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./ts-loader.mjs', import.meta.url);
await import('./cli.ts');
