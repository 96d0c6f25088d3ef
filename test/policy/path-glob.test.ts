// Behaviour of path globs: picomatch on the normalised path, "**" meaning any number of segments.
import { describe, expect, it } from 'vitest';

import { compilePathGlob } from '../../src/policy/path-glob.js';

function matches(glob: string, path: string): boolean {
  const compiled = compilePathGlob(glob);
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.test(path);
}

describe('path globs', () => {
  it.each([
    ['/health', '/health', true],
    ['/health', '/health/', false],
    ['/health', '/healthz', false],
    ['/health', '/Health', false],
  ])('a plain path matches exactly and case-sensitively: %j vs %j', (glob, path, expected) => {
    expect(matches(glob, path)).toBe(expected);
  });

  it.each([
    ['/admin', true],
    ['/admin/', true],
    ['/admin/users/1', true],
    ['/admin/.git/config', true],
    ['/administrator', false],
    ['/x/admin/y', false],
  ])('"/admin/**" covers the folder itself and everything below it: %j', (path, expected) => {
    expect(matches('/admin/**', path)).toBe(expected);
  });

  it.each([
    ['/a.css', true],
    ['/static/a.css', true],
    ['/static/deep/a.css', true],
    ['/a.css.map', false],
  ])('a leading "/**/" also matches at the root: "/**/*.css" vs %j', (path, expected) => {
    expect(matches('/**/*.css', path)).toBe(expected);
  });

  it('"**" in the middle may stand for no segments', () => {
    expect(matches('/api/**/health', '/api/health')).toBe(true);
    expect(matches('/api/**/health', '/api/v1/x/health')).toBe(true);
  });

  it.each([
    ['/static/a.js', true],
    ['/static/sub/a.js', false],
    ['/static/', false],
  ])('"*" stays within one segment: "/static/*" vs %j', (path, expected) => {
    expect(matches('/static/*', path)).toBe(expected);
  });

  it('"/**" matches every path, dotfiles included', () => {
    for (const path of ['/', '/a', '/.env', '/.well-known/x', '/a/b/c/']) expect(matches('/**', path)).toBe(true);
  });

  it('braces and character classes work', () => {
    expect(matches('/*.{css,js}', '/app.js')).toBe(true);
    expect(matches('/v[12]/**', '/v2/x')).toBe(true);
    expect(matches('/v[12]/**', '/v3/x')).toBe(false);
  });

  it('a path glob never matches the query', () => {
    expect(matches('/search?q=*', '/search')).toBe(false);
  });

  it.each(['/**/x/*', '/*/*/*.css', '/**/a*/**', '/{a,b}*/*.js'])(
    'an accepted glob stays fast on crafted long paths: %j',
    (glob) => {
      const crafted = [`/${'a'.repeat(8190)}`, `/${'a/'.repeat(4095)}`, `/${'a/'.repeat(2000)}${'a'.repeat(4000)}`];
      const start = performance.now();
      for (const path of crafted) matches(glob, path);
      expect(performance.now() - start).toBeLessThan(100);
    },
  );

  it.each([
    ['/*a*b', 'more than one "*" in a segment'],
    ['/x/*-*.js', 'more than one "*" in a segment'],
    ['/a**b', 'more than one "*" in a segment'],
    ['/**/a/**/b', 'more than one "**"'],
    ['/+(a|b)', 'extglobs'],
    ['/!(admin)/**', 'extglobs'],
  ])('a glob whose matching could be made slow is refused: %j', (glob, why) => {
    const compiled = compilePathGlob(glob);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.reason).toContain(why);
  });

  it('an escaped "*" is a literal and does not count as a wildcard', () => {
    expect(matches('/a\\*b*', '/a*bc')).toBe(true);
  });

  it.each([
    ['admin/**', 'does not start with "/"'],
    ['*.css', 'does not start with "/"'],
    ['/a/../b', 'segments'],
    ['/a/./b', 'segments'],
    ['//a', 'segments'],
    ['/a%20b', 'percent-encoded'],
    ['/x[', 'not a valid glob'],
    ['/x{a,b', 'not a valid glob'],
  ])('a bad path glob %j is refused, saying why', (glob, why) => {
    const compiled = compilePathGlob(glob);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.reason).toContain(why);
  });
});
