import path from 'node:path';
import { type ConfigKeys, type PluginScope, RtbStartupError, z } from '../../core/index.js';

/**
 * The top-level `notices` section: durable delivery of `nurl`, `lurl` and `burl` by the `notices` plugin (on by
 * default): a journal directory, retry bounds (attempts, age, backoff), per-bidder concurrency and the shutdown
 * drain bound. It is the plugin's options (it takes none in `plugins[i].options`: one place to configure delivery).
 */
export const NOTICES_SECTION = z.object({
  /** Run the built-in `notices` plugin without listing it in `plugins`. */
  enabled: z.boolean().default(true),
  /** Where the append-only journal lives (relative to the working directory). */
  journalDir: z.string().min(1).default('.rtb/notices'),
  /** Attempts per notice, the first included. */
  maxAttempts: z.int().positive().default(8),
  /** A notice not delivered this long after it was accepted is given up (also across restarts). */
  maxAgeMs: z.int().positive().default(15 * 60_000),
  /** The first retry's delay; each next one doubles, up to `retryMaxMs`, with jitter. */
  retryBaseMs: z.int().positive().default(1_000),
  retryMaxMs: z.int().positive().default(60_000),
  /** One attempt's time limit. */
  timeoutMs: z.int().positive().default(5_000),
  /**
   * Notices in flight to one bidder at once. A lane delivers at most this many per round trip, so it must exceed
   * the bidder's notices per second times the round trip (under load the round trip includes the exchange's own
   * event-loop delay): 16 capped a bench bidder at ~750/s and let a backlog grow at 1,100 auctions/s.
   */
  concurrencyPerBidder: z.int().positive().default(128),
  /** GETs in flight on one notice connection (HTTP/1.1 pipelining); 1 sends the next only after the last answer. */
  pipelining: z.int().positive().max(100).default(8),
  /** On shutdown, how long to keep delivering before leaving the rest in the journal for the next start. */
  drainTimeoutMs: z.int().nonnegative().default(5_000),
  /** fsync the journal before a billing is fired or acknowledged (survives power loss, not only a crash). */
  fsyncBilling: z.boolean().default(true),
  /**
   * Deliver notices to private, loopback and link-local addresses other than the bidder's own endpoint host
   * (off by default: a notice URL comes from a bid, and must not make the exchange reach its own network).
   */
  allowPrivateNetworks: z.boolean().default(false),
});

/** What the `notices` plugin reads from config (declared to the core): the `notices` section. */
export const NOTICES_CONFIG_KEYS = { section: 'notices', options: NOTICES_SECTION } satisfies ConfigKeys;

/** The validated `notices` section. */
export type NoticesSection = z.output<typeof NOTICES_SECTION>;

/** The plugin's settings: the `notices` section, with the journal directory made absolute. */
export type NoticesSettings = Omit<NoticesSection, 'enabled'> & { readonly journalDir: string };

/**
 * Reads the `notices` section (as the core parsed it against {@link NOTICES_SECTION}: `scope.options`) and checks
 * what spans its keys. Throws {@link RtbStartupError} when `retryMaxMs < retryBaseMs`.
 */
export function readSettings(scope: PluginScope): NoticesSettings {
  const { enabled: _enabled, ...section } = NOTICES_SECTION.parse(scope.options);
  if (section.retryMaxMs < section.retryBaseMs) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', ['notices.retryMaxMs: must not be below notices.retryBaseMs']);
  return { ...section, journalDir: path.resolve(section.journalDir) };
}
