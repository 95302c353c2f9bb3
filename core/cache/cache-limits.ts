import type { CacheConfig } from '../config/schema.js';

/** A value's lifetime: as asked (or `cache.ttlSeconds`), cut to `cache.maxTtlSeconds`, as Prebid Cache does. */
export function cacheTtl(asked: number | undefined, limits: CacheConfig): number {
  return Math.min(asked ?? limits.ttlSeconds, limits.maxTtlSeconds);
}

/**
 * Whether `text` may be stored: at most `cache.maxValueBytes` of UTF-8. Text short enough that even 3 bytes per
 * UTF-16 unit stay within it is not counted.
 */
export function withinValueLimit(text: string, limits: CacheConfig): boolean {
  return text.length * 3 <= limits.maxValueBytes || Buffer.byteLength(text, 'utf8') <= limits.maxValueBytes;
}
