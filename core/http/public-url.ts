import type { RtbConfig } from '../config/schema.js';

/** The exchange's public base URL (for tracker and sync links): `server.publicUrl`, else the local listen address. */
export function publicUrlOf(config: RtbConfig): string {
  return (config.server.publicUrl ?? `http://localhost:${config.server.port}`).replace(/\/+$/, '');
}
