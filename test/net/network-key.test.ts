// Behaviour of network keys, the unit per-network budgets count in: IPv4 in integers, the rest
// through ipaddr.js, and both give the same text for the same network.
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';

import { networkKey } from '../../src/shared/net/network-key.js';

const BITS = { ipv4: 24, ipv6: 64 };

describe('network keys', () => {
  it.each([
    ['203.0.113.7', BITS, '203.0.113.0/24'],
    ['203.0.113.255', { ipv4: 16, ipv6: 64 }, '203.0.0.0/16'],
    ['255.255.255.255', { ipv4: 32, ipv6: 64 }, '255.255.255.255/32'],
    ['198.51.100.9', { ipv4: 0, ipv6: 64 }, '0.0.0.0/0'],
    ['10.1.2.3', { ipv4: 9, ipv6: 64 }, '10.0.0.0/9'],
    ['2001:db8:1:2:3:4:5:6', BITS, '2001:db8:1:2::/64'],
    ['::ffff:203.0.113.7', BITS, '203.0.113.0/24'],
  ])('%s with %j is %s', (ip, bits, expected) => {
    expect(networkKey(ip, bits)).toBe(expected);
  });

  it('gives every prefix length of a dotted quad the text ipaddr.js gives', () => {
    for (let prefix = 0; prefix <= 32; prefix++) {
      const ip = '172.31.254.129';
      const viaIpaddr = `${ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`).toString()}/${prefix}`;
      expect(networkKey(ip, { ipv4: prefix, ipv6: 64 })).toBe(viaIpaddr);
    }
  });

  it('keeps text that is no address as it is', () => {
    expect(networkKey('not-an-address', BITS)).toBe('not-an-address');
  });
});
