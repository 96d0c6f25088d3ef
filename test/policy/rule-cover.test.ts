// Rule coverage is sound: whenever it says an earlier glob covers a later one, every path the
// later one matches, the earlier one matches too (checked with the engine's own matchers).
import { describe, expect, it } from 'vitest';

import { compileHostGlob } from '../../src/policy/host-glob.js';
import { compilePathGlob } from '../../src/policy/path-glob.js';
import { coversHost, coversNetwork, coversPath, coversRule } from '../../src/policy/rule-cover.js';
import type { RawRule } from '../../src/policy/types.js';
import { facts, policy, prng } from './builders.js';

describe('coversPath', () => {
  it.each([
    ['/admin/**', '/admin/users/**', true],
    ['/admin/**', '/admin', true],
    ['/admin/**', '/admin/{a,b}/*.js', true],
    ['/**', '/anything/*', true],
    ['/**/*.css', '/a/b.css', true],
    ['/static/*', '/static/*', true],
    ['/admin/**', '/administrator/**', false],
    ['/admin/*', '/admin/**', false],
    ['/**/*.css', '/a/**', false],
    ['/a/**', '/**', false],
    ['/[ab]/**', '/a/x/**', false],
  ])('%s covers %s: %s', (earlier, later, expected) => {
    expect(coversPath(earlier, later)).toBe(expected);
  });
});

describe('coversHost', () => {
  it.each([
    ['*', 'wiki.example.com', true],
    ['*.example.com', 'wiki.example.com', true],
    ['**.example.com', 'a.b.example.com', true],
    ['**.example.com', '*.example.com', true],
    ['**.example.com', '**.eu.example.com', true],
    ['wiki.*.example.com', 'wiki.*.example.com', true],
    ['*.example.com', '**.example.com', false],
    ['*.example.com', 'example.com', false],
    ['wiki.example.com', '*.example.com', false],
    ['**.example.com', 'notexample.com', false],
  ])('%s covers %s: %s', (earlier, later, expected) => {
    expect(coversHost(earlier, later)).toBe(expected);
  });
});

describe('coversNetwork', () => {
  it.each([
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.0.0.0/8', '10.2.3.4', true],
    ['0.0.0.0/0', '192.0.2.0/24', true],
    ['2001:db8::/32', '2001:db8:1::/48', true],
    ['10.1.0.0/16', '10.0.0.0/8', false],
    ['10.0.0.0/8', '11.0.0.0/8', false],
    ['::/0', '10.0.0.0/8', false],
    ['2001:db8::/32', '2001:db9::/48', false],
  ])('%s covers %s: %s', (earlier, later, expected) => {
    expect(coversNetwork(earlier, later)).toBe(expected);
  });
});

describe('soundness against the engine', () => {
  const PATH_GLOBS = [
    '/**',
    '/a/**',
    '/a/b/**',
    '/a/*',
    '/a/*.js',
    '/**/*.js',
    '/a/b',
    '/a',
    '/ab/**',
    '/a/{b,c}/**',
    '/*/b',
    '/a/b.js',
    '/[ab]/**',
  ];
  const SEGMENTS = ['a', 'b', 'c', 'ab', 'b.js', 'x.js', '.git', ''];

  it('no random path defeats a coverage claim between path globs', () => {
    const random = prng(10);
    const paths = Array.from({ length: 3000 }, () => {
      const n = 1 + Math.floor(random() * 4);
      return '/' + Array.from({ length: n }, () => SEGMENTS[Math.floor(random() * SEGMENTS.length)]).join('/');
    }).filter((p) => !p.includes('//'));
    for (const earlier of PATH_GLOBS) {
      for (const later of PATH_GLOBS) {
        if (!coversPath(earlier, later)) continue;
        const e = compilePathGlob(earlier);
        const l = compilePathGlob(later);
        if (!e.ok || !l.ok) throw new Error('test globs must compile');
        for (const path of paths)
          if (l.test(path)) expect([earlier, later, path, e.test(path)]).toEqual([earlier, later, path, true]);
      }
    }
  });

  it('no host defeats a coverage claim between host globs', () => {
    const GLOBS = [
      '*',
      '*.example.com',
      '**.example.com',
      'wiki.example.com',
      '*.*.example.com',
      '**.eu.example.com',
      'wiki.*.example.com',
    ];
    const HOSTS = [
      'example.com',
      'wiki.example.com',
      'a.b.example.com',
      'wiki.eu.example.com',
      'eu.example.com',
      'x.wiki.example.com',
      'other.org',
    ];
    for (const earlier of GLOBS) {
      for (const later of GLOBS) {
        if (!coversHost(earlier, later)) continue;
        const e = compileHostGlob(earlier);
        const l = compileHostGlob(later);
        if (!e.ok || !l.ok) throw new Error('test globs must compile');
        for (const host of HOSTS)
          if (l.test(host)) expect([earlier, later, host, e.test(host)]).toEqual([earlier, later, host, true]);
      }
    }
  });
});

describe('soundness of whole-rule coverage against compiled rules', () => {
  it('when coversRule says an earlier rule covers a later one, no request matches only the later one', () => {
    const random = prng(7);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const maybe = <T>(list: readonly T[]): T[] | undefined => (random() < 0.4 ? undefined : [pick(list)]);
    const PATHS = ['/**', '/a/**', '/a/b/**', '/a/*', '/**/*.js', '/a/b', '/A/**'];
    const rules: RawRule[] = Array.from({ length: 40 }, () => ({
      action: pick(['bypass', 'deny', 'challenge'] as const),
      paths: maybe(PATHS),
      methods: maybe(['GET', 'POST']),
      networks: maybe(['10.0.0.0/8', '10.1.0.0/16', '192.0.2.0/24']),
      hosts: maybe(['*.example.com', '**.example.com', 'wiki.example.com']),
    }));
    const compiled = policy(rules).rules;
    const requests = Array.from({ length: 400 }, () =>
      facts({
        path: pick(['/', '/a', '/A', '/a/b', '/A/B', '/a/b/c', '/a/x.js', '/x.js', '/a/b/X.JS']),
        method: pick(['GET', 'POST']),
        ip: pick(['10.1.2.3', '10.2.0.1', '192.0.2.9', '203.0.113.7']),
        host: pick(['wiki.example.com', 'a.b.example.com', 'example.com', 'other.org']),
      }),
    );
    let claims = 0;
    rules.forEach((earlier, i) =>
      rules.forEach((later, j) => {
        if (i === j || !coversRule(earlier, later)) return;
        claims++;
        for (const request of requests) {
          if (compiled[j]!.matches(request))
            expect([i, j, request, compiled[i]!.matches(request)]).toEqual([i, j, request, true]);
        }
      }),
    );
    expect(claims).toBeGreaterThan(20);
  });
});
