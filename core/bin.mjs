#!/usr/bin/env node
// The `rtb` command. The framework, its plugins and TypeScript configs run through tsx's loader, so the
// CLI, `npm start` and the tests (vitest) all compile the same sources the same way (esbuild).
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
