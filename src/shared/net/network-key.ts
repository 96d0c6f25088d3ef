// The network an address belongs to, for budgets per network: one person can hold many addresses
// of one IPv6 /64, or share an IPv4 /24 behind a carrier's NAT, so an address alone is too small
// a unit to budget.
import ipaddr from 'ipaddr.js';

import { parseIPv4 } from './ip-networks.js';

/** "203.0.113.0/24", "2001:db8:1:2::/64"; the address itself when it cannot be parsed. */
export function networkKey(ip: string, bits: { ipv4: number; ipv6: number }): string {
  // Every sign-in page and code request asks: the common IPv4 case in integers, not ipaddr's objects.
  const n = parseIPv4(ip, 0, ip.length);
  if (n >= 0) {
    const masked = bits.ipv4 === 0 ? 0 : (n & (-1 << (32 - bits.ipv4))) >>> 0;
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${bits.ipv4}`;
  }
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  const prefix = address.kind() === 'ipv4' ? bits.ipv4 : bits.ipv6;
  const mask = (address.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6).subnetMaskFromPrefixLength(prefix).toByteArray();
  const masked = address.toByteArray().map((byte, i) => byte & mask[i]!);
  return `${ipaddr.fromByteArray(masked).toString()}/${prefix}`;
}
