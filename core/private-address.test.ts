import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from './private-address.js';

/**
 * IANA's special-purpose registries (IPv4 and IPv6, "Globally Reachable" false or not a unicast destination), an
 * address inside each, and public neighbours just outside. Every IPv4 one is also written in each IPv6 form that
 * embeds an IPv4 address and reaches it: mapped, translated, compatible, NAT64 (dotted and hex) and 6to4.
 */
const PRIVATE_V4 = [
  '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.255.255.254',
  '169.254.0.1', '169.254.169.254', '172.16.0.1', '172.31.255.254', '192.0.0.1', '192.0.0.170', '192.0.2.1', '192.88.99.1',
  '192.168.0.1', '192.168.255.254', '198.18.0.1', '198.19.255.254', '198.51.100.1', '203.0.113.1', '224.0.0.1',
  '239.255.255.255', '240.0.0.1', '255.255.255.255',
];
const PUBLIC_V4 = ['1.1.1.1', '8.8.8.8', '9.255.255.255', '11.0.0.1', '100.63.255.255', '100.128.0.1', '126.255.255.255', '128.0.0.1',
  '169.253.255.255', '169.255.0.1', '172.15.255.255', '172.32.0.1', '192.0.3.1', '192.167.255.255', '192.169.0.1', '198.17.255.255',
  '198.20.0.1', '223.255.255.255'];
const PRIVATE_V6 = [
  '::', '::1', '::ffff:0:0', '64:ff9b:1::1', '100::1', '2001::1', '2001:1ff:ffff::1', '2001:db8::1', '2002::1', '3fff::1',
  '5f00::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'fec0::1', 'feff::1', 'ff02::1', 'FF05::2',
];
const PUBLIC_V6 = ['2606:4700:4700::1111', '2001:4860:4860::8888', '2001:200::1', '2a00:1450::1', '2003::1', '3ffe::1', '4000::1',
  'fbff::1', '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'];

/** The IPv6 forms that embed `v4`: each reaches that IPv4 address. */
function embeddings(v4: string): string[] {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return [`::ffff:${v4}`, `::ffff:${hex}`, `::ffff:0:${v4}`, `::ffff:0:${hex}`, `::${v4}`, `::${hex}`, `64:ff9b::${v4}`, `64:ff9b::${hex}`,
    `0:0:0:0:0:ffff:${hex}`, `2002:${hex}::1`, `2002:${hex}:1234::`];
}

describe('isPrivateAddress: every special-purpose range, in every notation', () => {
  it.each(PRIVATE_V4)('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(PUBLIC_V4)('%s is public', (address) => expect(isPrivateAddress(address)).toBe(false));
  it.each(PRIVATE_V6)('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(PUBLIC_V6)('%s is public', (address) => expect(isPrivateAddress(address)).toBe(false));
  it.each(PRIVATE_V4.flatMap(embeddings))('%s (an IPv4 special-purpose address embedded in IPv6) is private', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(['8.8.8.8', '1.1.1.1'].flatMap((v4) => embeddings(v4).filter((form) => !form.startsWith('::' + v4) && !/^::[0-9a-f]+:[0-9a-f]+$/.test(form))))('%s (a public IPv4 address embedded) is public', (address) =>
    expect(isPrivateAddress(address)).toBe(false));
  it.each(['not an address', '', '1.2.3', '::g', '[::1]'])('%j (not an IP literal) counts as private', (address) => expect(isPrivateAddress(address)).toBe(true));
});
