// Behaviour of network conditions: CIDRs parsed once, client addresses tested without allocating.
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';

import { inNetworks, parseIPv4, parseIPv6, parseNetworks } from '../../src/shared/net/ip-networks.js';
import { prng } from '../policy/builders.js';

function contains(entries: string[], ip: string): boolean {
  const { networks, errors } = parseNetworks(entries);
  expect(errors).toEqual([]);
  return inNetworks(networks, ip);
}

describe('network matching', () => {
  it.each([
    [['10.0.0.0/8'], '10.1.2.3', true],
    [['10.0.0.0/8'], '11.0.0.0', false],
    [['192.168.1.0/24'], '192.168.1.255', true],
    [['192.168.1.0/24'], '192.168.2.0', false],
    [['0.0.0.0/0'], '203.0.113.7', true],
    [['203.0.113.7'], '203.0.113.7', true],
    [['203.0.113.7'], '203.0.113.8', false],
    [['10.0.0.0/8', '172.16.0.0/12'], '172.31.255.255', true],
    [['255.255.255.255/32'], '255.255.255.255', true],
  ])('IPv4: %j contains %j: %s', (entries, ip, expected) => {
    expect(contains(entries, ip)).toBe(expected);
  });

  it.each([
    [['::1'], '::1', true],
    [['::1/128'], '::2', false],
    [['2001:db8::/32'], '2001:db8:ffff::1', true],
    [['2001:db8::/32'], '2001:db9::1', false],
    [['fd00::/8'], 'fdff:1:2:3:4:5:6:7', true],
    [['2001:db8::/33'], '2001:db8:8000::', false],
    [['::/0'], '2001:db8::1', true],
  ])('IPv6: %j contains %j: %s', (entries, ip, expected) => {
    expect(contains(entries, ip)).toBe(expected);
  });

  it.each(['::ffff:10.0.0.1', '::ffff:a00:1', '::FFFF:10.0.0.1', '0:0:0:0:0:ffff:10.0.0.1'])(
    'an IPv4-mapped client address matches an IPv4 network: %j',
    (ip) => {
      expect(contains(['10.0.0.0/8'], ip)).toBe(true);
      expect(contains(['192.168.0.0/16'], ip)).toBe(false);
    },
  );

  it('an IPv4-mapped network is read as the IPv4 network it maps', () => {
    expect(contains(['::ffff:10.0.0.0/104'], '10.9.9.9')).toBe(true);
  });

  it('an IPv6 network does not contain IPv4 clients, and an IPv4 network no IPv6 ones', () => {
    expect(contains(['::/0'], '10.0.0.1')).toBe(false);
    expect(contains(['0.0.0.0/0'], '2001:db8::1')).toBe(false);
  });

  it.each(['', 'nonsense', '10.0.0', '10.0.0.1.2', '010.0.0.1', '10.0.0.256', 'fe80::1%eth0', '1::2::3', ':1'])(
    'a client address that is not an address matches no network: %j',
    (ip) => {
      expect(contains(['0.0.0.0/0', '::/0'], ip)).toBe(false);
    },
  );

  it.each([
    ['10.0.0.0/33', 'prefix'],
    ['10.0.0.0/-1', 'prefix'],
    ['10.0.0.0/', 'prefix'],
    ['::/129', 'prefix'],
    ['10.1/16', 'not an IP address'],
    ['012.0.0.1', 'not an IP address'],
    ['0x0a.0.0.1', 'not an IP address'],
    ['fe80::1%eth0', 'not an IP address'],
    ['example.com', 'not an IP address'],
  ])('a bad network %j is reported by index (%s)', (entry, why) => {
    const { errors } = parseNetworks(['10.0.0.0/8', entry]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.index).toBe(1);
    expect(errors[0]!.reason).toContain(why);
  });

  it('host bits set in a CIDR are ignored, as the network it names', () => {
    expect(contains(['10.1.2.3/8'], '10.200.0.1')).toBe(true);
  });
});

describe('address parsers agree with ipaddr.js', () => {
  it('parseIPv6 reads random IPv6 text in every form as ipaddr.js does', () => {
    const next = prng(99);
    const out = new Uint16Array(8);
    for (let i = 0; i < 5_000; i++) {
      const parts = Array.from({ length: 8 }, () => (next() < 0.4 ? 0 : Math.floor(next() * 65536)));
      const addr = new ipaddr.IPv6(parts);
      const forms = [
        addr.toString(),
        addr.toNormalizedString(),
        parts.map((p) => p.toString(16).padStart(4, '0').toUpperCase()).join(':'),
      ];
      if (parts[0] === 0 && parts[1] === 0 && parts[2] === 0 && parts[3] === 0 && parts[4] === 0) {
        forms.push(
          `::${parts[5]!.toString(16)}:${parts[6]! >> 8}.${parts[6]! & 255}.${parts[7]! >> 8}.${parts[7]! & 255}`,
        );
      }
      for (const text of forms) {
        expect(parseIPv6(text, out), text).toBe(true);
        expect([...out], text).toEqual(parts);
      }
    }
  });

  it('parseIPv6 refuses what ipaddr.js refuses', () => {
    const out = new Uint16Array(8);
    for (const text of [
      ':',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '12345::',
      'g::',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::1.2.3',
      '1:',
      '1:2:3:4:5:6:7:8::',
    ]) {
      expect(ipaddr.IPv6.isValid(text), text).toBe(false);
      expect(parseIPv6(text, out), text).toBe(false);
    }
  });

  it('parseIPv4 reads dotted decimal exactly as ipaddr.js does', () => {
    const next = prng(5);
    for (let i = 0; i < 5_000; i++) {
      const octets = Array.from({ length: 4 }, () => Math.floor(next() * 256));
      const text = octets.join('.');
      expect(parseIPv4(text, 0, text.length)).toBe(
        ipaddr.IPv4.parse(text)
          .toByteArray()
          .reduce((a, b) => a * 256 + b, 0),
      );
    }
  });
});
