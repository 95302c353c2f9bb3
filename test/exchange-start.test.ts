import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { startTestExchange } from '../core/testing/index.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { scratchDir } from './scratch-dir.js';

it('a start-up that fails half-way stops what it had started (sidecars, plugins, journal lock)', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  const journalDir = scratchDir('rtb-start-');
  const events: string[] = [];
  const sidecar = async () => {
    events.push('sidecar started');
    return { close: async () => void events.push('sidecar closed') };
  };
  const config = { notices: { journalDir }, sidecars: [sidecar] };
  await expect(startTestExchange({ ...config, server: { port } }, builtinRegistry())).rejects.toMatchObject({ code: 'RTB_ERR_LISTEN' });
  expect(events).toEqual(['sidecar started', 'sidecar closed']);
  busy.close();
  // The notices journal's lock was released: the same directory serves a new exchange.
  const again = await startTestExchange(config, builtinRegistry());
  await again.stop();
  expect(events).toEqual(['sidecar started', 'sidecar closed', 'sidecar started', 'sidecar closed']);
});
