// Behaviour of host globs: label-wise, case-insensitive, compiled once.
import { describe, expect, it } from 'vitest';

import { compileHostGlob } from '../../src/policy/host-glob.js';

function matches(glob: string, host: string): boolean {
  const compiled = compileHostGlob(glob);
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.test(host);
}

describe('host globs', () => {
  it.each([
    ['wiki.example.com', 'wiki.example.com', true],
    ['wiki.example.com', 'wiki2.example.com', false],
    ['wiki.example.com', 'x.wiki.example.com', false],
  ])('a plain host matches only itself: %j vs %j', (glob, host, expected) => {
    expect(matches(glob, host)).toBe(expected);
  });

  it('a host glob is case-insensitive', () => {
    expect(matches('Wiki.Example.COM', 'wiki.example.com')).toBe(true);
  });

  it('a trailing dot in a host glob is ignored', () => {
    expect(matches('wiki.example.com.', 'wiki.example.com')).toBe(true);
  });

  it.each([
    ['wiki.example.com', true],
    ['a.b.example.com', false],
    ['example.com', false],
    ['wikiexample.com', false],
    ['evil-example.com', false],
  ])('a wildcard host matches one label only: "*.example.com" vs %j', (host, expected) => {
    expect(matches('*.example.com', host)).toBe(expected);
  });

  it('a wildcard label may stand in the middle', () => {
    expect(matches('wiki.*.example.com', 'wiki.eu.example.com')).toBe(true);
    expect(matches('wiki.*.example.com', 'wiki.example.com')).toBe(false);
  });

  it.each([
    ['example.com', true],
    ['wiki.example.com', true],
    ['a.b.c.example.com', true],
    ['notexample.com', false],
    ['example.com.evil.net', false],
  ])('a leftmost "**" matches any number of labels, including none: "**.example.com" vs %j', (host, expected) => {
    expect(matches('**.example.com', host)).toBe(expected);
  });

  it.each(['*', '**'])('%j alone matches any host', (glob) => {
    expect(matches(glob, 'anything.at.all')).toBe(true);
    expect(matches(glob, 'localhost')).toBe(true);
    expect(matches(glob, '[::1]')).toBe(true);
  });

  it('a dot in a host glob is literal, not "any character"', () => {
    expect(matches('wiki.example.com', 'wikixexample.com')).toBe(false);
  });

  it('an IPv6 literal host matches itself', () => {
    expect(matches('[::1]', '[::1]')).toBe(true);
  });

  it.each([
    ['wiki-*.example.com', 'whole labels'],
    ['*wiki.example.com', 'whole labels'],
    ['a.**.example.com', 'leftmost'],
    ['wiki.example.com:8080', 'port'],
    ['wiki_app.example.com', 'not a host name'],
    ['', 'not a host name'],
    ['a..b', 'not a host name'],
    ['https://wiki.example.com', 'port'],
  ])('a bad host glob %j is refused, saying why (%s)', (glob, why) => {
    const compiled = compileHostGlob(glob);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.reason).toContain(why);
  });
});
