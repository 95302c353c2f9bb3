import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * IANA's IPv4 special-purpose blocks that are not globally reachable (or not unicast), the multicast and reserved
 * space, and the deprecated 6to4 relay anycast block: a server-side request to a URL from a bid must not reach them
 * unless private networks are allowed.
 */
const PRIVATE_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

/**
 * The IPv6 blocks that are private whatever follows: unspecified and loopback, IPv4-compatible (`::/96`,
 * deprecated), local-use NAT64, discard-only, IETF protocol assignments (Teredo among them), documentation (both),
 * SRv6 SIDs, unique-local, site-local (deprecated), link-local and multicast. The forms that embed an IPv4 address
 * (mapped, translated, NAT64, 6to4) are judged by that address ({@link embeddedV4}).
 */
const PRIVATE_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['3fff::', 20], ['5f00::', 16],
  ['fc00::', 7], ['fec0::', 10], ['fe80::', 10], ['ff00::', 8],
];

function blockList(v4: ReadonlyArray<readonly [string, number]>, v6: ReadonlyArray<readonly [string, number]>): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

const PRIVATE = blockList(PRIVATE_V4, PRIVATE_V6);

/**
 * Whether `address` (an IP literal) is private, loopback, link-local, multicast or otherwise not public (SSRF
 * guard for URLs that come from bids: VAST wrappers, notices), in any notation: an IPv6 address that embeds an IPv4
 * one and reaches it (`::ffff:a9fe:a9fe`, `::ffff:0:…`, `64:ff9b::a9fe:a9fe`, `2002:a9fe:a9fe::1`) is judged by
 * that IPv4 address. Anything that is not an IP literal counts as private.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const groups = ipv6Groups(address);
  const v4 = embeddedV4(groups);
  if (v4 !== undefined) return PRIVATE.check(v4, 'ipv4');
  return PRIVATE.check(groups.map((group) => group.toString(16)).join(':'), 'ipv6');
}

/**
 * The IPv4 address an IPv6 one embeds and reaches, if any: IPv4-mapped (`::ffff:0:0/96`), IPv4-translated
 * (`::ffff:0:0:0/96`), NAT64 (`64:ff9b::/96`) in the last 32 bits; 6to4 (`2002::/16`) in bits 16 to 48.
 */
function embeddedV4(groups: readonly number[]): string | undefined {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const dotted = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  if (zeros(0, 5) && groups[5] === 0xffff) return dotted(groups[6]!, groups[7]!);
  if (zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0) return dotted(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return dotted(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return dotted(groups[1]!, groups[2]!);
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 literal (`::` expanded, a trailing dotted quad read, a zone dropped). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * `dns.lookup` that answers only public addresses ({@link isPrivateAddress}); a name that resolves to private ones
 * only fails with `ENOTPUBLIC`. Given as the `lookup` of an undici connector, it checks a name where it is
 * connected to, so no second DNS answer can swap a private address in after a check (DNS rebinding), over http
 * and https alike. An IP literal is never looked up: check those with {@link isPrivateAddress} before connecting.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const allowed = addresses.filter((entry) => !isPrivateAddress(entry.address));
    if (allowed.length === 0) {
      const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to a private network address only`);
      refused.code = 'ENOTPUBLIC';
      return callback(refused, []);
    }
    if (options.all) callback(null, allowed);
    else callback(null, allowed[0]!.address, allowed[0]!.family);
  });
}
