import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startRig, type Rig } from './helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/**
 * Opens a connection that sends a request's headers at once and then its body a byte every 200 ms; resolves with
 * what the server answered (its first line, or '' when it only closed) and after how many body bytes.
 */
function trickle(url: string, bodyBytes: number): Promise<{ answer: string; sent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let sent = 0;
    let received = '';
    const timer = setInterval(() => {
      if (sent < bodyBytes && !socket.destroyed) {
        socket.write('x');
        sent++;
      }
    }, 200);
    socket.on('connect', () => socket.write(`POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${bodyBytes}\r\n\r\n`));
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer: received.split('\r\n')[0] ?? '', sent });
    });
  });
}

it('a client that sends its body a byte at a time is cut off after server.requestTimeoutMs (408), not held for minutes', async () => {
  rig = await startRig({ a: { price: 1 } }, { server: { requestTimeoutMs: 1_000 } });
  // 300 bytes at 5 a second would take a minute: the exchange answers 408 after about one second of it.
  const clients = await Promise.all(Array.from({ length: 5 }, () => trickle(rig!.exchange.url, 300)));
  for (const { answer, sent } of clients) {
    expect(answer).toBe('HTTP/1.1 408 Request Timeout');
    expect(sent).toBeLessThan(100);
  }
});
