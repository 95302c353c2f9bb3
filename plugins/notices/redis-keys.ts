/** The consumer group every node's delivery reads the notices stream in. */
export const DELIVERY_GROUP = 'delivery';

/**
 * Claims an impression and adds its `burl` to the notices stream in one step (a Lua script runs atomically):
 * KEYS = claim key, stream; ARGV = expiry (ms since the epoch, the tracker's), the notice as JSON or '' (no `burl`).
 * Returns 1 when this call made the claim, 0 when it was made before.
 */
export const CLAIM_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PXAT', ARGV[1]) then return 0 end
if ARGV[2] ~= '' then redis.call('XADD', KEYS[2], '*', 'n', ARGV[2]) end
return 1`;

/**
 * Adds a notice to the stream unless it was added before (a spilled notice settled twice, after a crash in between):
 * KEYS = marker key, stream; ARGV = marker lifetime (ms), the notice as JSON. Returns 1 when added.
 */
export const ENQUEUE_ONCE_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], '*', 'n', ARGV[2])
return 1`;

/** The names of the keys the ledger writes, under `state.redis.prefix`. */
export class RedisKeys {
  /** The stream of notices owed. */
  readonly stream: string;

  constructor(private readonly prefix: string) {
    this.stream = `${prefix}notices`;
  }

  /** An impression's claim (its tracker key). */
  claim(impression: string): string {
    return `${this.prefix}billed:${impression}`;
  }

  /** The marker of a spilled notice added to the stream. */
  settled(noticeId: string): string {
    return `${this.prefix}settled:${noticeId}`;
  }
}

/** A Redis URL without its password, for log lines and errors. */
export function redactedUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}
