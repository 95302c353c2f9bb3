import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { RtbStartupError } from '../config/errors.js';
import type { TrackersConfig } from '../config/schema.js';

/** The environment variable read for the tracker key when `trackers.secret` is not set. */
export const TRACKER_SECRET_ENV = 'RTB_TRACKER_SECRET';

const MIN_SECRET_CHARS = 16;

/**
 * The secret that keys tracker tokens: `trackers.secret` (a value, or `{ env: NAME }`), else the
 * `RTB_TRACKER_SECRET` environment variable. With neither, a random key for this process and a warning: the
 * exchange still runs (an exchange whose markup carries no tracker loses nothing), but tracker URLs then stop
 * working at restart and on other nodes, so a real deployment sets one. Throws {@link RtbStartupError} for a
 * named variable that is unset or a secret shorter than 16 characters.
 */
export function resolveTrackerSecret(config: TrackersConfig, log: Logger, env: NodeJS.ProcessEnv = process.env): string {
  const { secret } = config;
  if (typeof secret === 'string') return secret;
  const name = secret?.env ?? TRACKER_SECRET_ENV;
  const value = env[name];
  if (value !== undefined && value !== '') {
    if (value.length < MIN_SECRET_CHARS) throw new RtbStartupError('RTB_ERR_TRACKERS', [`trackers.secret: environment variable ${name} must hold at least ${MIN_SECRET_CHARS} characters`]);
    return value;
  }
  if (secret) throw new RtbStartupError('RTB_ERR_TRACKERS', [`trackers.secret: environment variable ${name} is not set`]);
  log.warn(`trackers.secret and ${TRACKER_SECRET_ENV} are not set: tracker URLs use a random key of this process and stop working when it restarts or on another node`);
  return randomBytes(32).toString('base64url');
}

/**
 * Before a cluster primary forks its workers: when neither `trackers.secret` nor `RTB_TRACKER_SECRET` is set, puts
 * one random key in this process's `RTB_TRACKER_SECRET` (which the workers inherit) and warns once. Every worker
 * then signs and checks tracker URLs with the same key: a tracker hit is honoured whichever worker takes it.
 */
export function shareTrackerSecret(config: TrackersConfig, log: Logger, env: NodeJS.ProcessEnv = process.env): void {
  if (config.secret !== undefined || (env[TRACKER_SECRET_ENV] ?? '') !== '') return;
  log.warn(`trackers.secret and ${TRACKER_SECRET_ENV} are not set: tracker URLs use a random key shared by this machine's workers and stop working when the exchange restarts or on another node`);
  env[TRACKER_SECRET_ENV] = randomBytes(32).toString('base64url');
}
