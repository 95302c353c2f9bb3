import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/**
 * An undici connector whose sockets gather what is written to them in one turn of the event loop into one
 * system call: the first write of a turn corks the socket and the turn's end uncorks it. Notices are handed to
 * the queue a batch at a time, so with HTTP/1.1 pipelining the GETs a batch sends on one connection leave in one
 * `writev` instead of one `write` each, and the bidder reads them in one go. `options` are `buildConnector`'s
 * (a DNS `lookup`, TLS settings, …).
 */
export function corkingConnector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const connect = buildConnector(options);
  return (target, callback) =>
    connect(target, (error, socket) => {
      if (socket) corkEachTurn(socket);
      // buildConnector's callback is overloaded on its first argument: pass on the one received.
      if (error) callback(error, null);
      else callback(null, socket!);
    });
}

/** Makes `socket` cork on the first write of each event loop turn and uncork when the turn's ticks are done. */
function corkEachTurn(socket: Socket): void {
  const write = socket.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function corkingWrite(this: typeof socket, ...args: Parameters<typeof write>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as typeof write;
}
