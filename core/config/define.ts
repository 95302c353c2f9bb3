import type { RtbConfigInput } from './schema.js';

/**
 * Types an exchange config in `rtb.config.ts`; returns it unchanged. A plain object export works just as
 * well: this only gives the editor the schema.
 */
export function defineConfig(config: RtbConfigInput): RtbConfigInput {
  return config;
}
