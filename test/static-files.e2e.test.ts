// `server.static`: the opt-in folder the exchange serves beside its routes (the demo publisher page).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config/load.js';
import { startTestExchange, type TestExchange } from '../core/testing/index.js';
import { builtinRegistry } from '../plugins/builtin.js';
import { http } from './helpers.js';

describe('server.static', () => {
  let root: string;
  let served: TestExchange;
  let plain: TestExchange;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'rtb-static-'));
    mkdirSync(path.join(root, 'pub', 'sub dir'), { recursive: true });
    writeFileSync(path.join(root, 'pub', 'index.html'), '<h1>page</h1>');
    writeFileSync(path.join(root, 'pub', 'page.js'), 'console.log(1);');
    writeFileSync(path.join(root, 'pub', 'sub dir', 'index.html'), '<h1>sub</h1>');
    writeFileSync(path.join(root, 'secret.txt'), 'outside');
    // Links inside the folder: to a file and to a folder outside it (refused), and to a file inside it (served).
    symlinkSync(path.join(root, 'secret.txt'), path.join(root, 'pub', 'leak.txt'));
    symlinkSync(root, path.join(root, 'pub', 'up'));
    symlinkSync(path.join(root, 'pub', 'page.js'), path.join(root, 'pub', 'alias.js'));
    const sites = { s: { banner: { w: 300, h: 250 } } };
    served = await startTestExchange({ server: { static: { path: '/demo', dir: path.join(root, 'pub') } }, sites }, builtinRegistry());
    plain = await startTestExchange({ sites }, builtinRegistry());
  });

  afterAll(async () => {
    await served?.stop();
    await plain?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it.each([
    ['/demo/', 200, 'text/html; charset=utf-8', '<h1>page</h1>'],
    ['/demo/index.html', 200, 'text/html; charset=utf-8', '<h1>page</h1>'],
    ['/demo/page.js', 200, 'application/javascript; charset=utf-8', 'console.log(1);'],
    ['/demo/sub%20dir/', 200, 'text/html; charset=utf-8', '<h1>sub</h1>'],
    ['/demo/missing.html', 404, undefined, undefined],
    ['/demo/%2e%2e/secret.txt', 404, undefined, undefined],
    ['/demo/..%2fsecret.txt', 404, undefined, undefined],
    ['/demo/%00', 404, undefined, undefined],
    ['/demo/%E0%A4%A', 400, undefined, undefined],
    ['/demox/page.js', 404, undefined, undefined],
    ['/demo/leak.txt', 404, undefined, undefined],
    ['/demo/up/secret.txt', 404, undefined, undefined],
    ['/demo/alias.js', 200, 'application/javascript; charset=utf-8', 'console.log(1);'],
  ])('GET %s → %i', async (url, status, type, body) => {
    const answer = await http(`${served.url}${url}`);
    expect(answer.status).toBe(status);
    if (type) expect(answer.headers['content-type']).toBe(type);
    if (body) expect(answer.text).toBe(body);
  });

  it('redirects the bare path to the folder', async () => {
    const answer = await http(`${served.url}/demo?x=1`);
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/demo/?x=1');
  });

  it('leaves the exchange routes alone', async () => {
    expect((await http(`${served.url}/healthz`)).status).toBe(200);
    expect((await http(`${served.url}/demo/page.js`, { method: 'POST' })).status).toBe(404); // GET and HEAD only
  });

  it('serves nothing when not configured', async () => {
    expect((await http(`${plain.url}/static/index.html`)).status).toBe(404);
    expect((await http(`${plain.url}/demo/`)).status).toBe(404);
  });

  it.each([['demo'], ['/demo/'], ['/'], ['/demo?x']])('refuses the path %j at start-up', (bad) => {
    expect(() => parseConfig({ server: { static: { dir: 'examples/publisher', path: bad } } })).toThrow(/server\.static\.path/);
  });
});
