import { describe, expect, it } from 'vitest';

import { clientAddress } from '../../src/http/forward/client-address.js';
import { createAddressMatcher } from '../../src/shared/net/cidr.js';

const trusted = createAddressMatcher(['10.0.0.0/8', '::1']);

describe('the client address', () => {
  it('is the socket peer when the peer is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', '1.2.3.4', trusted)).toBe('203.0.113.9');
  });

  it('is the right-most untrusted X-Forwarded-For entry behind trusted proxies', () => {
    expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.4, 10.0.0.1', trusted)).toBe('198.51.100.4');
  });

  it('unwraps IPv4-mapped IPv6 peers', () => {
    expect(clientAddress('::ffff:10.0.0.2', '198.51.100.4', trusted)).toBe('198.51.100.4');
    expect(clientAddress('::ffff:203.0.113.9', undefined, trusted)).toBe('203.0.113.9');
  });

  it('stops at garbage in the chain instead of believing what lies left of it', () => {
    expect(clientAddress('10.0.0.2', '6.6.6.6, not-an-ip', trusted)).toBe('10.0.0.2');
  });

  it('joins repeated X-Forwarded-For headers', () => {
    expect(clientAddress('::1', ['198.51.100.4', '10.1.1.1'], trusted)).toBe('198.51.100.4');
  });
});

describe('address lists', () => {
  it('match IPv4 ranges, single addresses and IPv6', () => {
    const m = createAddressMatcher(['192.168.0.0/16', '203.0.113.5', '2001:db8::/32']);
    expect(m('192.168.4.4')).toBe(true);
    expect(m('203.0.113.5')).toBe(true);
    expect(m('203.0.113.6')).toBe(false);
    expect(m('2001:db8::1')).toBe(true);
    expect(m('not an ip')).toBe(false);
  });

  it('name the entry that is not an address', () => {
    expect(() => createAddressMatcher(['10.0.0.0/33'])).toThrow('10.0.0.0/33');
  });
});

describe('canonical addresses', () => {
  it('refuse IPv4 forms that parsers disagree on', async () => {
    const { canonicalAddress } = await import('../../src/shared/net/cidr.js');
    expect(canonicalAddress('10.1')).toBeUndefined();
    expect(canonicalAddress('012.0.0.1')).toBeUndefined();
    expect(canonicalAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalAddress('2001:0db8::0001')).toBe('2001:db8::1');
  });
});
