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

/**
 * A node's heartbeat: KEYS = the live nodes' sorted set; ARGV = this node's member (`id|processes`), how long a
 * node stays live without a beat (ms). Scores are Redis's clock, so nodes' clocks need not agree. Returns every
 * live member.
 */
export const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 10)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** The names of the keys the ledger writes, under `state.redis.prefix`. */
export class RedisKeys {
  /** The stream of notices owed. */
  readonly stream: string;
  /** The live nodes (sorted set: `id|processes` by last heartbeat). */
  readonly nodes: string;

  constructor(private readonly prefix: string) {
    this.stream = `${prefix}notices`;
    this.nodes = `${prefix}nodes`;
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
