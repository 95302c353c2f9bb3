import { isIPv4 } from 'node:net';
import { crc32 } from './crc32.js';

const MAPPED_DOTTED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/**
 * `short_ip` of R10: the first three octets of the client's IPv4 address (`ip1.ip2.ip3`). An IPv4-mapped IPv6
 * address (`::ffff:10.1.2.3`, as a dual-stack socket reports IPv4 clients) counts as its IPv4 address. The seed
 * counts IPv4 only, so for any other client (pure IPv6, or no address) it is the empty string.
 */
export function shortIp(clientIp: string): string {
  let ip = clientIp.trim();
  const dotted = MAPPED_DOTTED.exec(ip);
  const hex = MAPPED_HEX.exec(ip);
  if (dotted) ip = dotted[1]!;
  else if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    ip = `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return isIPv4(ip) ? ip.split('.').slice(0, 3).join('.') : '';
}

/** The parts of a binding call that its signature covers (R10), in signing order but for `shortIp`. */
export interface SignedParts {
  /** {@link shortIp} of the client. */
  readonly shortIp: string;
  /** The `Referer` header as received ('' when absent). */
  readonly referer: string;
  /** The `User-Agent` header as received ('' when absent). */
  readonly userAgent: string;
  /** The `location` query parameter after percent-decoding ('' when absent). */
  readonly location: string;
  /** The `data` query parameter after percent-decoding. */
  readonly data: string;
  /** The bidder's signing key. */
  readonly key: string;
}

/**
 * The signature a binding call must carry (R10): `crc32(short_ip . Referer . UserAgent . location . data . key)`,
 * the parts concatenated without separators. Headers count as the bytes received (Node reads header bytes as
 * latin1); query parameters and the key as UTF-8. For the ASCII a browser sends the two are the same.
 */
export function bindingSignature(parts: SignedParts): number {
  return crc32(Buffer.concat([
    Buffer.from(parts.shortIp + parts.referer + parts.userAgent, 'latin1'),
    Buffer.from(parts.location + parts.data + parts.key, 'utf8'),
  ]));
}
