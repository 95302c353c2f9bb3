import type { Redis } from 'ioredis';
import type { StateConfig } from '../config/schema.js';
import { RtbStartupError } from '../config/errors.js';
import { redactedUrl } from '../config/redacted-url.js';

/**
 * A connection to the fleet's Redis (`state.redis`), ready: a failure within `connectTimeoutMs` is a start-up error
 * (`RTB_ERR_STATE`) naming the URL, password hidden. Commands while Redis is gone fail at once rather than waiting in a
 * queue (the caller decides what to do instead); the connection keeps reconnecting on its own. The client library
 * is loaded on the first call: an exchange without Redis does not carry it (about 10 MB of RSS).
 */
export async function connectRedis(state: StateConfig['redis']): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(state.url, {
    lazyConnect: true,
    connectTimeout: state.connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  // The socket's own error (ECONNREFUSED …) says more than the rejected connect ("Connection is closed.").
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => (socketError ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new RtbStartupError('RTB_ERR_STATE', [`state.redis.url: cannot reach Redis at ${redactedUrl(state.url)}: ${(socketError ?? (error as Error)).message}`]);
  }
}
