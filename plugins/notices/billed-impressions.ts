/**
 * The impressions already billed (T2: `burl` exactly once per impression), by impression key, each kept until
 * its tracker tokens expire: after that no hit can claim it again, so the set stays bounded by the token TTL.
 * Rebuilt from the journal at start-up, so a reload after a restart bills nothing either.
 */
export class BilledImpressions {
  private readonly expiries: Map<string, number>;

  constructor(initial: Iterable<[string, number]> = []) {
    this.expiries = new Map(initial);
  }

  /**
   * Claims the billing of an impression: true the first time, false for every later hit (until `expiresAt`).
   * Synchronous, so concurrent duplicate hits in one process cannot both win.
   */
  claim(key: string, expiresAt: number): boolean {
    if (this.expiries.has(key)) return false;
    this.expiries.set(key, expiresAt);
    return true;
  }

  /** Forgets impressions whose tokens have expired by `now`. */
  prune(now: number): void {
    for (const [key, expiresAt] of this.expiries) if (expiresAt <= now) this.expiries.delete(key);
  }

  /** Every billed impression: key and expiry (ms). */
  entries(): IterableIterator<[string, number]> {
    return this.expiries.entries();
  }

  /** How many impressions are remembered as billed. */
  get size(): number {
    return this.expiries.size;
  }
}
