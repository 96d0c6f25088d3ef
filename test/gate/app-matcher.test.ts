import { describe, expect, it } from 'vitest';

import type { AppConfig } from '../../src/config/types.js';
import { createAppMatcher } from '../../src/http/app-matcher.js';

const app = (host: string, pathPrefix = '/'): AppConfig => ({
  host,
  pathPrefix,
  upstream: `http://${host}`,
  timeout: 1000,
  name: host + pathPrefix,
  passAuthorization: false,
});
const apps = [
  app('wiki.example.com'),
  app('wiki.example.com', '/api'),
  app('*.example.com'),
  app('example.org', '/docs'),
];
const find = createAppMatcher(apps);

describe('choosing the app', () => {
  it('prefers an exact host', () => {
    expect(find('wiki.example.com', '/x')).toBe(apps[0]);
  });

  it('prefers the longest path prefix on a host', () => {
    expect(find('wiki.example.com', '/api/v1')).toBe(apps[1]);
    expect(find('wiki.example.com', '/apix')).toBe(apps[0]);
  });

  it('matches a wildcard for exactly one more label', () => {
    expect(find('git.example.com', '/')).toBe(apps[2]);
    expect(find('a.b.example.com', '/')).toBeUndefined();
    expect(find('example.com', '/')).toBeUndefined();
  });

  it('finds no app for an unknown host or a path outside every prefix', () => {
    expect(find('other.net', '/')).toBeUndefined();
    expect(find('example.org', '/blog')).toBeUndefined();
  });
});
