/** Which notice: win (`nurl`, T1), loss (`lurl`, T3) or billing (`burl`, T2). */
export type NoticeKind = 'nurl' | 'lurl' | 'burl';

/**
 * One accepted notice: a server-to-server GET the exchange owes a bidder, macros already expanded. From the
 * moment it is accepted it is in the journal until it is delivered or given up.
 */
export interface Notice {
  /** Unique within the journal. */
  readonly id: string;
  readonly kind: NoticeKind;
  readonly bidder: string;
  readonly auctionId: string;
  /** The URL to GET, every macro expanded. */
  readonly url: string;
  /** When it was accepted, ms since the epoch: its age bound (`notices.maxAgeMs`) counts from here, across restarts. */
  readonly acceptedAt: number;
  /** Extra request headers (`burl`: the device's address and user agent, implementation guide §7.8). */
  readonly headers?: Readonly<Record<string, string>>;
}
