/** The bounds of retrying one notice. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Give up on a notice this long after it was accepted. */
  readonly maxAgeMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

/**
 * When to try again after failed attempt number `attempts` (1 = the first), or `null` to give up: exponential
 * backoff (`retryBaseMs`, doubling, capped at `retryMaxMs`) with ±20% jitter so that retries to a recovering
 * bidder do not arrive in one burst; never past `maxAttempts` nor past `maxAgeMs` from `acceptedAt`.
 */
export function nextRetryDelay(policy: RetryPolicy, attempts: number, acceptedAt: number, now: number, random = Math.random): number | null {
  if (attempts >= policy.maxAttempts) return null;
  const backoff = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
  const delay = Math.max(1, Math.round(backoff * (0.8 + 0.4 * random())));
  return now + delay - acceptedAt > policy.maxAgeMs ? null : delay;
}
