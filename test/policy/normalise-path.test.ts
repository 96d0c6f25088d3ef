// Behaviour of request-target normalisation: one decode, dot segments resolved, ambiguity refused.
import { describe, expect, it } from 'vitest';

import { encodePath, normalisePath } from '../../src/policy/normalise-path.js';
import { prng } from './builders.js';

function pathOf(target: string): string {
  const result = normalisePath(target);
  if (!result.ok) throw new Error(`refused ${JSON.stringify(target)}: ${result.reason}`);
  return result.path;
}

describe('normalisePath', () => {
  it.each([
    ['/a/b', '/a/b'],
    ['/', '/'],
    ['/a/b/', '/a/b/'],
  ])('a plain path %j is kept as it is', (target, path) => {
    expect(pathOf(target)).toBe(path);
  });

  it('the query is split off at the first "?" and kept raw', () => {
    expect(normalisePath('/a%20b?x=1&y=%2F?z')).toEqual({ ok: true, path: '/a b', query: '?x=1&y=%2F?z' });
  });

  it('a request without a query has an empty query', () => {
    expect(normalisePath('/a')).toEqual({ ok: true, path: '/a', query: '' });
    expect(normalisePath('/a?')).toEqual({ ok: true, path: '/a', query: '' });
  });

  it('a fragment is dropped', () => {
    expect(normalisePath('/a#frag?not-a-query')).toEqual({ ok: true, path: '/a', query: '' });
    expect(normalisePath('/a?q=1#frag')).toEqual({ ok: true, path: '/a', query: '?q=1' });
  });

  it.each([
    ['/a/%C3%A9t%C3%A9', '/a/été'],
    ['/a%20b', '/a b'],
    ['/%25zz', '/%zz'],
    ['/a%2Fb', '/a/b'],
  ])('the path is percent-decoded once: %j', (target, path) => {
    expect(pathOf(target)).toBe(path);
  });

  it.each([
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%2E/b', '/a/b'],
    ['/admin/..%2fpublic', '/public'],
  ])('dot segments are resolved before matching: %j', (target, path) => {
    expect(pathOf(target)).toBe(path);
  });

  it.each([
    ['/..', '/'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a/../../b', '/b'],
  ])('".." above the root stays at the root: %j', (target, path) => {
    expect(pathOf(target)).toBe(path);
  });

  it.each([
    ['//a///b', '/a/b'],
    ['/a//', '/a/'],
    ['//', '/'],
    ['/%2F%2Fevil.example', '/evil.example'],
  ])('duplicate slashes are collapsed: %j', (target, path) => {
    expect(pathOf(target)).toBe(path);
  });

  it.each([
    ['/a%', 'truncated escape'],
    ['/a%zz', 'non-hex escape'],
    ['/a%C3', 'truncated UTF-8'],
    ['/a%FF', 'invalid UTF-8 byte'],
    ['/a%ED%A0%80', 'UTF-16 surrogate encoded as UTF-8'],
  ])('a malformed escape is refused: %j (%s)', (target) => {
    expect(normalisePath(target).ok).toBe(false);
  });

  it.each(['/a%00b', '/a%0Ab', '/a%0d', '/a%7F', '/a%1b[31m'])('a control character is refused: %j', (target) => {
    expect(normalisePath(target).ok).toBe(false);
  });

  it.each(['/a\\b', '/a%5Cb', '/..%5c..%5cwindows'])('a backslash is refused: %j', (target) => {
    expect(normalisePath(target).ok).toBe(false);
  });

  it.each(['/%252e%252e/admin', '/a%2541', '/%25%32%65'])(
    'a path still encoded after one decode is refused: %j',
    (target) => {
      expect(normalisePath(target).ok).toBe(false);
    },
  );

  it.each(['/..;/admin', '/a/..;x/b', '/.;/admin', '/a/%2e%2e;/b', '/a/..;'])(
    'a dot segment with parameters is refused: %j',
    (target) => {
      expect(normalisePath(target).ok).toBe(false);
    },
  );

  it.each(['/a;b/c', '/...;x', '/a/.x;y'])('a semicolon elsewhere is an ordinary character: %j', (target) => {
    expect(normalisePath(target).ok).toBe(true);
  });

  it.each(['', '*', 'a/b', '?x=1', '%2Fa'])('a target that does not start with "/" is refused: %j', (target) => {
    expect(normalisePath(target).ok).toBe(false);
  });

  it('a path longer than 8192 characters is refused', () => {
    expect(normalisePath(`/${'a'.repeat(8191)}`).ok).toBe(true);
    expect(normalisePath(`/${'a'.repeat(8192)}`).ok).toBe(false);
    expect(normalisePath(`/${'%61'.repeat(8192)}`).ok).toBe(false);
  });

  it.each(['/a b', '/é', '/a\tb'])('raw characters that must be encoded are refused: %j', (target) => {
    expect(normalisePath(target).ok).toBe(false);
  });
});

describe('encodePath', () => {
  it.each([
    ['/a/b/', '/a/b/'],
    ["/a:b@c!$&'()*+,;=/d", "/a:b@c!$&'()*+,;=/d"],
    ['/a b', '/a%20b'],
    ['/été', '/%C3%A9t%C3%A9'],
    ['/100%', '/100%25'],
    ['/a?b#c', '/a%3Fb%23c'],
    ['/a"<>`{}|^', '/a%22%3C%3E%60%7B%7D%7C%5E'],
  ])('encodes %j as %j', (path, encoded) => {
    expect(encodePath(path)).toBe(encoded);
  });
});

// Characters that stress the round trip: separators, escapes, delimiters, dots, non-ASCII.
const ALPHABET = [
  ...'aZ09-._~!$&\'()*+,;=:@/%?#[] "<>{}|^`',
  'é',
  'ß',
  '中',
  '😀',
  '\u00a0',
  '\u2028',
  '..',
  '%2e',
  '%2F',
  '%25',
  '%C3%A9',
];

function randomTarget(next: () => number): string {
  const length = 1 + Math.floor(next() * 24);
  let s = '/';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

describe('encodePath and normalisePath round trip', () => {
  it('a normalised path survives encodePath then normalisePath unchanged', () => {
    const next = prng(20240601);
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      const target = randomTarget(next);
      const first = normalisePath(target);
      if (!first.ok) continue;
      checked++;
      const again = normalisePath(encodePath(first.path));
      expect(again, `from ${JSON.stringify(target)}`).toEqual({ ok: true, path: first.path, query: '' });
    }
    // The generator must produce enough valid paths for the property to mean something.
    expect(checked).toBeGreaterThan(5_000);
  });

  it('a path built from arbitrary segments round-trips when it is normalised', () => {
    const next = prng(7);
    const segmentChars = ALPHABET.filter((c) => !c.includes('/'));
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      const segments = Array.from({ length: 1 + Math.floor(next() * 4) }, () =>
        Array.from(
          { length: 1 + Math.floor(next() * 6) },
          () => segmentChars[Math.floor(next() * segmentChars.length)],
        ).join(''),
      );
      const path = `/${segments.join('/')}${next() < 0.3 ? '/' : ''}`;
      // Only paths that are already in normal form: the property is about those.
      if (segments.some((s) => s === '.' || s === '..' || /^\.\.?;/.test(s) || /%[0-9a-fA-F]{2}/.test(s))) continue;
      checked++;
      expect(normalisePath(encodePath(path)), JSON.stringify(path)).toEqual({ ok: true, path, query: '' });
    }
    expect(checked).toBeGreaterThan(5_000);
  });
});
