import { z } from 'zod';
import { decimalToMicros } from '../money.js';

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
  pricing: z.string().default('decimal-cpm'),
  openrtbVersion: z.enum(['2.5', '2.6']).default('2.6'),
  gzip: z.boolean().default(false),
  enabled: z.boolean().default(true),
  /** This bidder's own deadline, when shorter than the auction's. */
  timeoutMs: z.int().positive().optional(),
  maxResponseBytes: z.int().positive().default(1024 * 1024),
  connections: z.int().positive().default(32),
});

const pluginEntry = z.union([
  z.string().transform((name) => ({ name, options: {} as Record<string, unknown>, bidders: undefined as string[] | undefined })),
  z.strictObject({
    name: z.string(),
    options: z.record(z.string(), z.unknown()).default({}),
    /** Run this plugin's per-bidder hooks for these bidders only. */
    bidders: z.array(z.string()).optional(),
  }),
]);

/** The schema of `rtb.config.ts`, with every default. */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      port: z.int().min(0).max(65535).default(8080),
      host: z.string().default('127.0.0.1'),
      publicUrl: httpUrl.optional(),
      trustProxy: z.boolean().default(false),
      maxBodyBytes: z.int().positive().default(1024 * 1024),
      shutdownTimeoutMs: z.int().positive().default(10_000),
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
  sidecars: z.array(z.custom<Sidecar>((value) => typeof value === 'function', 'must be a function')).default([]),
});

/** What a config file may say (every default optional). */
export type RtbConfigInput = z.input<typeof configSchema>;
/** A validated config with every default filled in. */
export type RtbConfig = z.output<typeof configSchema>;
/** One bidder's validated config. */
export type BidderConfig = RtbConfig['bidders'][string];
/** One site's validated config. */
export type SiteConfig = RtbConfig['sites'][string];
/** One plugin entry of a validated config. */
export type PluginEntry = RtbConfig['plugins'][number];
