/**
 * A bidder's cap on bid requests per second (`bidders.*.maxQps`, a DSP's contracted QPS): a token bucket that
 * refills at `perSecond` and holds at most a tenth of a second's worth (at least one request), so the requests
 * it lets through are spread over each second rather than sent in one burst at its start.
 */
export class QpsLimit {
  private perSecond: number;
  private capacity: number;
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly configured: number, now: number) {
    this.perSecond = configured;
    this.capacity = Math.max(1, configured / 10);
    this.tokens = this.capacity;
    this.refilledAt = now;
  }

  /**
   * Sets the rate to `fraction` of the configured one (this node's share of a fleet-wide cap, `QpsShare`): what
   * the bucket holds is cut to its new capacity, never raised.
   */
  scale(fraction: number): void {
    this.perSecond = this.configured * fraction;
    this.capacity = Math.max(1, this.perSecond / 10);
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  /** Whether a request may go out at `now` (ms, monotonic); when it may, it is counted. */
  tryTake(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
