import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'plugins/**/*.test.ts', 'test/**/*.test.ts'],
    // An outside plugin package's own tests: test/package.e2e.test.ts runs them where the package is installed.
    exclude: ['test/plugin-package/**', '**/node_modules/**'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
