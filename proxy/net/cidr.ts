// Address lists ("10.0.0.0/8", "::1", "192.168.1.5"): parsed once into a matcher. IPv4-mapped
// IPv6 addresses ("::ffff:10.0.0.1", how Node reports IPv4 peers on a dual-stack socket) match
// IPv4 ranges.
import ipaddr from 'ipaddr.js';

export type AddressMatcher = (ip: string) => boolean;

/** Parses a list of CIDRs or single addresses; throws naming the first entry that is neither. */
export function createAddressMatcher(entries: readonly string[]): AddressMatcher {
  const ranges = entries.map(parseRange);
  if (ranges.length === 0) return () => false;
  return (ip) => {
    const addr = parseAddress(ip);
    if (addr === undefined) return false;
    return ranges.some(([range, bits]) => addr.kind() === range.kind() && addr.match(range, bits));
  };
}

export function parseRange(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (ipaddr.isValidCIDR(entry)) {
    const [range, bits] = ipaddr.parseCIDR(entry);
    return range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress()
      ? [(range as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)]
      : [range, bits];
  }
  if (ipaddr.isValid(entry)) {
    const addr = ipaddr.process(entry);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  }
  throw new Error(`"${entry}" is not an IP address or CIDR range`);
}

/** The address in its canonical text form, IPv4-mapped IPv6 unwrapped; undefined when not an address. */
export function canonicalAddress(ip: string): string | undefined {
  return parseAddress(ip)?.toString();
}

function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  // Zone ids ("fe80::1%eth0") are local detail that never matches a configured range.
  const bare = ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip;
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined;
}
