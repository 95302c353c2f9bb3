import type { Server } from 'node:http';
import net, { type Socket } from 'node:net';

/**
 * Once a drain begins, the listening socket stays open until no new connection has come for this long: closing it
 * resets every connection the kernel has queued but the process has not taken yet, so it closes only once the
 * clients (a load balancer that has seen `/readyz` turn 503) have stopped connecting.
 */
export const LISTEN_QUIET_MS = 250;

/** How long a connection that has sent nothing yet is given, once the listening socket closes, to send its first request. */
export const FIRST_REQUEST_GRACE_MS = 1_000;

/** What the drain knows of one connection. */
interface ConnectionState {
  /** Requests read on it whose answer has not finished. */
  inFlight: number;
  /** Answers it has finished. */
  answered: number;
}

/**
 * Drains an HTTP server without resetting a request that reached it. Node's `server.close()` closes the listening
 * socket at once (resetting connections queued in the kernel) and destroys every connection it calls idle, which
 * includes a connection accepted with its request still unread in the socket buffer: the client sees ECONNRESET
 * for a request it sent before the stop. Instead, once {@link begin} is called:
 * - every answer is marked `Connection: close` (the app does it while draining), so Node ends each connection after
 *   its answer, kept-alive ones included;
 * - the listening socket stays open, new connections served, until none has come for {@link LISTEN_QUIET_MS}, or
 *   at the latest `maxListenMs` after the stop (a cluster worker's server closing alike: the primary hands out
 *   what it has queued first);
 * - then a kept-alive connection between requests (answered, nothing in progress) is ended, as nginx and Go's
 *   `Shutdown` do, and a connection that has sent nothing yet gets {@link FIRST_REQUEST_GRACE_MS} to send its
 *   request before it is ended; a connection with an answer in progress keeps it.
 * The promise resolves once every connection has closed; {@link destroyAll} cuts what is left (the grace timeout).
 */
export class ServerDrain {
  private readonly connections = new Map<Socket, ConnectionState>();
  private draining = false;
  private lastConnectionAt = 0;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.lastConnectionAt = performance.now();
      const state: ConnectionState = { inFlight: 0, answered: 0 };
      this.connections.set(socket, state);
      socket.once('close', () => this.connections.delete(socket));
    });
    server.on('request', (request, response) => {
      const state = this.connections.get(request.socket);
      if (!state) return;
      state.inFlight++;
      response.once('close', () => {
        state.inFlight--;
        state.answered++;
        if (this.draining && state.inFlight === 0) request.socket.end();
      });
    });
  }

  /** Drains as described above, the listening socket open `maxListenMs` at most; resolves when the last connection has closed. */
  begin(maxListenMs: number): Promise<void> {
    this.draining = true;
    const began = performance.now();
    return new Promise<void>((resolve) => {
      const closeOnceQuiet = () => {
        const now = performance.now();
        const quietFor = now - Math.max(this.lastConnectionAt, began);
        if (quietFor < LISTEN_QUIET_MS && now - began < maxListenMs) {
          setTimeout(closeOnceQuiet, LISTEN_QUIET_MS - quietFor);
          return;
        }
        // net.Server's close, not http.Server's: the latter also destroys "idle" connections, unread requests included.
        net.Server.prototype.close.call(this.server, () => resolve());
        for (const [socket, state] of this.connections) if (state.inFlight === 0) this.endIfUnused(socket, state);
      };
      closeOnceQuiet();
    });
  }

  /** Destroys every connection still open (the drain's time is up). */
  destroyAll(): void {
    for (const socket of this.connections.keys()) socket.destroy();
  }

  /** While draining, ends a connection with nothing in progress: at once when it has been answered, else after its first-request grace. */
  private endIfUnused(socket: Socket, state: ConnectionState): void {
    if (state.answered > 0) socket.end();
    else setTimeout(() => this.connections.get(socket)?.inFlight === 0 && socket.end(), FIRST_REQUEST_GRACE_MS).unref();
  }
}
