// Behaviour of Host header normalisation: the one form host rules match on.
import { describe, expect, it } from 'vitest';

import { normaliseHost } from '../../src/policy/normalise-path.js';

describe('normaliseHost', () => {
  it.each([
    ['wiki.example.com', 'wiki.example.com'],
    ['Wiki.Example.COM', 'wiki.example.com'],
    ['wiki.example.com:8080', 'wiki.example.com'],
    ['wiki.example.com:', 'wiki.example.com'],
    ['wiki.example.com.', 'wiki.example.com'],
    ['wiki.example.com.:443', 'wiki.example.com'],
    ['localhost', 'localhost'],
    ['10.0.0.5:80', '10.0.0.5'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ])('a host name %j becomes %j', (header, host) => {
    expect(normaliseHost(header)).toBe(host);
  });

  it.each([
    ['[::1]', '[::1]'],
    ['[::1]:8080', '[::1]'],
    ['[2001:DB8::1]:443', '[2001:db8::1]'],
    ['[::ffff:10.0.0.1]', '[::ffff:10.0.0.1]'],
  ])('an IPv6 literal %j keeps its brackets and loses its port: %j', (header, host) => {
    expect(normaliseHost(header)).toBe(host);
  });

  it.each([
    ['', 'empty'],
    ['.', 'only a dot'],
    ['a..b', 'empty label'],
    ['.example.com', 'leading dot'],
    ['example.com..', 'two trailing dots'],
    ['wiki_app', 'underscore'],
    ['wiki.example.com:80:80', 'two ports'],
    ['wiki.example.com:http', 'named port'],
    ['evil.com/x', 'slash'],
    ['evil.com@wiki', 'userinfo'],
    ['wiki example', 'space'],
    ['wiki\u0000', 'NUL'],
    ['wikí.example', 'non-ASCII'],
    ['[::1', 'unclosed bracket'],
    ['[::1]x', 'junk after bracket'],
    ['[:::1]', 'not an IPv6 address'],
    ['[10.0.0.1]', 'IPv4 in brackets'],
    ['[fe80::1%eth0]', 'zone id'],
  ])('an unreadable host %j is undefined (%s)', (header) => {
    expect(normaliseHost(header)).toBeUndefined();
  });
});
