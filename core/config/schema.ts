import { z } from 'zod';
import { decimalToMicros } from '../money.js';
import type { PluginClass } from '../plugin/contract.js';
import type { DialectClass } from '../plugin/dialect.js';
import type { PricingClass } from '../plugin/registry.js';

/** Something the exchange starts beside itself and stops after itself (e.g. the demo's mock bidders). */
export type Sidecar = () => Promise<{ close(): Promise<void> }>;

const ENDPOINT_MACRO = /%%[A-Z_]+%%|\$\{[A-Z_]+\}/g;

/** An absolute http(s) URL; partner URL macros (`%%GOOGLE_USER_ID%%`) are allowed inside it. */
const httpUrl = z.string().refine((text) => {
  try {
    const url = new URL(text.replace(ENDPOINT_MACRO, 'x'));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'not a URL');

/** A function a config file passes in (a sidecar, or a class it brings in `extensions`): only its kind is checked here. */
const functionValue = <T>(message: string) => z.custom<T>((value) => typeof value === 'function', message);

/** A decimal CPM amount in the exchange currency, as written in config (`0.5`); converted to micros once. */
const cpm = z.number().refine((value) => decimalToMicros(value) !== null, 'must be a non-negative decimal amount');

const banner = z.looseObject({ w: z.int().positive(), h: z.int().positive() });
const video = z.looseObject({
  mimes: z.array(z.string()).default(['video/mp4']),
  protocols: z.array(z.int()).default([2, 3, 5, 6, 7, 8]),
  w: z.int().positive().default(640),
  h: z.int().positive().default(360),
});
const native = z.looseObject({ request: z.union([z.string(), z.record(z.string(), z.unknown())]) });

const site = z
  .looseObject({
    banner: banner.optional(),
    video: video.optional(),
    native: native.optional(),
    floor: cpm.default(0),
    domain: z.string().optional(),
    page: z.string().optional(),
  })
  .refine((s) => [s.banner, s.video, s.native].filter(Boolean).length === 1, 'needs exactly one of banner, video, native');

const bidder = z.looseObject({
  endpoint: httpUrl,
  dialect: z.string().default('openrtb'),
  /** Price units; none: the dialect's own (`defaultPricing`: `rtb-host` → `chips`), else `decimal-cpm`. */
  pricing: z.string().optional(),
  openrtbVersion: z.enum(['2.5', '2.6']).default('2.6'),
  gzip: z.boolean().default(false),
  enabled: z.boolean().default(true),
  /** This bidder's own deadline, when shorter than the auction's. */
  timeoutMs: z.int().positive().optional(),
  maxResponseBytes: z.int().positive().default(1024 * 1024),
  connections: z.int().positive().default(32),
  /**
   * The most bid requests a second this bidder gets (a DSP's contracted QPS), over the whole `rtb start` (its
   * workers share it): auctions beyond it go on without the bidder. None: no cap.
   */
  maxQps: z.number().positive().optional(),
});

const pluginEntry = z.union([
  z.string().transform((name) => ({ name, options: {} as Record<string, unknown>, bidders: undefined as string[] | undefined, enabled: true })),
  z.strictObject({
    name: z.string(),
    options: z.record(z.string(), z.unknown()).default({}),
    /** Run this plugin's per-bidder hooks for these bidders only. */
    bidders: z.array(z.string()).optional(),
    /** `false` leaves the plugin out: the way to turn off a plugin the exchange runs by default. */
    enabled: z.boolean().default(true),
  }),
]);

/**
 * A secret as written in config: the value itself, or `{ env: 'NAME' }` to read it from the environment
 * variable NAME at start-up.
 */
const secret = z.union([z.string().min(16, 'must be at least 16 characters'), z.strictObject({ env: z.string().min(1) })]);

/**
 * The exchange's own tracker URLs (impression/render → `burl`, click → redirect): `secret` keys the AES-256-GCM
 * tokens they carry (when unset, the `RTB_TRACKER_SECRET` environment variable, else a random key per process
 * with a warning); a token expires `ttlSeconds` after its auction. `listClicks` (default true) lists an award's
 * click destinations inside its impression token (token versions 4 and 5); false mints only the older versions
 * (1 and 3), which exchanges from before 2026-11-26 can read: the first step of a rolling upgrade from them.
 */
const trackers = z
  .strictObject({
    secret: secret.optional(),
    ttlSeconds: z.int().positive().max(30 * 24 * 3600).default(3600),
    listClicks: z.boolean().default(true),
  })
  .prefault({});

/**
 * The state an exchange's processes share (the billed impressions, the notices owed): `local` keeps it on this
 * machine (the notices journal, held by the only process or the cluster primary); `redis` in one Redis that every
 * node of a fleet shares (`redis.url`), with the notices journal as the spill for when Redis cannot be reached.
 */
const state = z
  .strictObject({
    backend: z.enum(['local', 'redis']).default('local'),
    redis: z
      .strictObject({
        /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
        url: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
        /** Prefix of every key the exchange writes: fleets (or environments) sharing one Redis keep apart by it. */
        prefix: z.string().min(1).default('rtb:'),
        /** How long start-up waits for Redis before it gives up. */
        connectTimeoutMs: z.int().positive().default(3_000),
        /** An owed notice a node has held this long without renewing it (the node died) is taken over by another. */
        reclaimAfterMs: z.int().min(1_000).default(30_000),
      })
      .prefault({}),
  })
  .prefault({});

/**
 * The exchange's Prebid-Cache-compatible store (`POST /cache`, `GET /cache?uuid=`; `/openrtb2/auction` fills it
 * when a request's `ext.prebid.cache` asks): in memory (the only process, or a cluster's primary for its workers),
 * or in the fleet's Redis with `state.backend: redis`.
 */
const cache = z
  .strictObject({
    /** Off: no cache endpoints, and `ext.prebid.cache` is ignored. */
    enabled: z.boolean().default(true),
    /** A value's lifetime when its put (or its bid's `exp`) names none. */
    ttlSeconds: z.int().positive().default(300),
    /** The longest a value is kept, whatever its put asks (longer asks are cut to this, as Prebid Cache does). */
    maxTtlSeconds: z.int().positive().max(24 * 3600).default(3600),
    /** The largest value one put may store (UTF-8 bytes of its text). */
    maxValueBytes: z.int().positive().max(16 * 1024 * 1024).default(64 * 1024),
    /** Values in one `POST /cache`. */
    putsPerRequest: z.int().positive().max(1_000).default(10),
    /** What the in-memory cache may hold in all (oldest values go first over it); Redis is bounded by its own `maxmemory`. */
    memoryBytes: z.int().positive().default(64 * 1024 * 1024),
  })
  .prefault({});

/**
 * Bounds a hostile sender cannot move: each costs the exchange in proportion, so one input could otherwise cost
 * every auction. Over a limit, the excess is refused with a reason (inbound: `400` naming the field; bids: dropped
 * before validation, logged and counted in `rtb_bids_dropped_total`; notices: not sent, logged) and the rest goes on.
 */
const limits = z
  .strictObject({
    /** Imps in one OpenRTB request. */
    impsPerRequest: z.int().positive().default(100),
    /** Bids kept from one bidder's answer (in the answer's order). */
    bidsPerAnswer: z.int().positive().default(100),
    /** Bids kept from one bidder on one imp (the highest priced). */
    bidsPerImp: z.int().positive().default(10),
    /** Win and loss notices one auction sends (`nurl`s first, then `lurl`s, in the auction's order). */
    noticesPerAuction: z.int().positive().default(128),
    /** Of those, to one bidder. */
    noticesPerBidder: z.int().positive().default(32),
  })
  .prefault({});

/**
 * The schema of `rtb.config.ts`, with every default: the core's own sections. A plugin may own a section of its
 * own (`notices`, `vast`: its `configKeys.section`); the plan validates those, and refuses any other top-level key
 * (core/config/key-check.ts).
 */
export const configSchema = z.looseObject({
  server: z
    .strictObject({
      port: z.int().min(0).max(65535).default(8080),
      host: z.string().default('127.0.0.1'),
      publicUrl: httpUrl.optional(),
      trustProxy: z.boolean().default(false),
      maxBodyBytes: z.int().positive().default(1024 * 1024),
      shutdownTimeoutMs: z.int().positive().default(10_000),
      /**
       * The most a client may take to send a whole request, headers and body (`408` and the connection closed
       * after it; Node's default is 300 s, so a client sending a byte a second held a connection for minutes).
       */
      requestTimeoutMs: z.int().positive().max(120_000).default(5_000),
      /**
       * Cross-origin callers (Prebid.js on a publisher's page, which sends its requests with credentials): the page
       * origins answered with `Access-Control-Allow-Origin` (their own origin) and `-Allow-Credentials: true`, or
       * `'*'` for any page. None: no CORS headers (same-origin pages and servers only).
       */
      cors: z
        .strictObject({
          origins: z.union([
            z.literal('*'),
            z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin: scheme://host[:port], no path')),
          ]),
        })
        .optional(),
      /** Opt-in: serve the files of `dir` (relative to the working directory) under `path`, e.g. a demo publisher page. */
      static: z
        .strictObject({
          dir: z.string().min(1),
          path: z.string().regex(/^\/[^?#]*[^/?#]$/, 'must start with / and not end with one, e.g. /demo').default('/static'),
        })
        .optional(),
    })
    .prefault({}),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as USD').default('USD'),
  auction: z
    .strictObject({
      type: z.enum(['second-price', 'first-price']).default('second-price'),
      step: cpm.default(0.01),
      tmaxMs: z.int().positive().max(10_000).default(300),
    })
    .prefault({}),
  hooks: z.strictObject({ timeoutMs: z.int().positive().default(50) }).prefault({}),
  trackers,
  state,
  cache,
  limits,
  sites: z.record(z.string(), site).default({}),
  bidders: z.record(z.string(), bidder).default({}),
  plugins: z.array(pluginEntry).default([]),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      /** A file to append log lines to instead of standard output. */
      file: z.string().optional(),
    })
    .prefault({}),
  sidecars: z.array(functionValue<Sidecar>('must be a function')).default([]),
  /**
   * Plugins, dialects and pricing units the config brings, beside the built-ins, under the names `plugins`,
   * `bidders.*.dialect` and `bidders.*.pricing` select: a `.ts` or `.js` config imports them (from a package, or
   * a file of its own) and `rtb start` runs them as it runs the built-ins.
   */
  extensions: z
    .strictObject({
      plugins: z.record(z.string(), functionValue<PluginClass>('must be a class')).default({}),
      dialects: z.record(z.string(), functionValue<DialectClass>('must be a class')).default({}),
      pricing: z.record(z.string(), functionValue<PricingClass>('must be a class')).default({}),
    })
    .prefault({}),
});

/** What a config file may say (every default optional). */
export type RtbConfigInput = z.input<typeof configSchema>;
/** A validated config with every default filled in. */
export type RtbConfig = z.output<typeof configSchema>;
/**
 * One bidder's validated config. Its `pricing`, when the config leaves it out, is filled in as the exchange
 * resolves the bidder (the dialect's `defaultPricing`, else `decimal-cpm`): every bidder a plugin or dialect sees
 * has it.
 */
export type BidderConfig = RtbConfig['bidders'][string];
/** One site's validated config. */
export type SiteConfig = RtbConfig['sites'][string];
/** The validated `cache` section. */
export type CacheConfig = RtbConfig['cache'];
/** The validated `state` section. */
export type StateConfig = RtbConfig['state'];
/** The validated `trackers` section. */
export type TrackersConfig = RtbConfig['trackers'];
/** One plugin entry of a validated config. */
export type PluginEntry = RtbConfig['plugins'][number];

/**
 * The keys the core itself reads: its top-level sections, and those of a site and of a bidder. Plugins, dialects and
 * pricing units declare the others they read (their `configKeys`): the plan refuses any other (core/config/key-check.ts).
 */
export const CORE_KEYS = { top: Object.keys(configSchema.shape), site: Object.keys(site.shape), bidder: Object.keys(bidder.shape) } as const;
