// Attacks through Host and through headers a client controls: the gate must decide on the host
// it serves, and believe forwarding and identity headers only from where they may come.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { useGate } from '../helpers/gate.js';
import { rawGet, rawRequest } from '../helpers/raw-http.js';
import { FUZZ } from './fuzz-runs.js';

const env = useGate();

const reachedSince = (before: number) => env.upstream.seen.slice(before);

describe('Host', () => {
  it.each(['WIKI.APPS.TEST', 'wiki.apps.test.', 'Wiki.Apps.Test:443', 'wiki.apps.test:8080'])(
    '%s is the same app, case, port and trailing dot aside',
    async (host) => {
      const res = await rawGet(env.gate.url, '/public/x', [], host);
      expect(res.status).toBe(200);
    },
  );

  it.each([
    'evil.example',
    'apps.test',
    'a.b.apps.test',
    'wiki.apps.test..',
    'wiki.apps.test@evil.example',
    'wiki.apps.test/evil',
    '',
    '[::1',
  ])('unknown or malformed Host %j never reaches an app', async (host) => {
    const before = env.upstream.seen.length;
    const res = await rawGet(env.gate.url, '/public/x', [], host);
    expect([400, 404]).toContain(res.status);
    expect(reachedSince(before)).toEqual([]);
  });

  it('two Host headers are refused', async () => {
    const before = env.upstream.seen.length;
    const res = await rawRequest(
      env.gate.url,
      'GET /public/x HTTP/1.1\r\nHost: wiki.apps.test\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(res.status).toBe(400);
    expect(reachedSince(before)).toEqual([]);
  });

  it('an absolute-form target for another host is refused', async () => {
    const before = env.upstream.seen.length;
    const res = await rawGet(env.gate.url, 'http://evil.example/public/x', [], 'wiki.apps.test');
    expect(res.status).toBe(400);
    expect(reachedSince(before)).toEqual([]);
  });

  it('an absolute-form target for the same host is decided like the origin form', async () => {
    expect((await rawGet(env.gate.url, 'http://wiki.apps.test/public/x', [], 'wiki.apps.test')).status).toBe(200);
    expect(
      (await rawGet(env.gate.url, 'http://wiki.apps.test/admin/x', ['Accept: application/json'], 'wiki.apps.test'))
        .status,
    ).toBe(401);
  });

  it('an :authority header cannot stand in for Host', async () => {
    const res = await rawGet(env.gate.url, '/public/x', [':authority: evil.example']);
    expect(res.status).toBe(400);
  });
});

const FORWARDING = [
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Forwarded-Uri',
  'X-Forwarded-Prefix',
  'X-Original-URL',
  'X-Original-URI',
  'X-Rewrite-URL',
  'X-Original-Host',
  'Forwarded',
  'X-Real-IP',
  'X-Original-Method',
  'X-HTTP-Method-Override',
];
const VALUES = [
  '/public/x',
  '/admin',
  '127.0.0.1',
  '10.0.0.1',
  'for=10.0.0.1;host=wiki.apps.test;proto=https',
  'wiki.apps.test',
  'https',
  'GET',
];

describe('forwarding headers from a peer that is not a trusted proxy', () => {
  it('change nothing about a protected request', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.constantFrom(...FORWARDING), fc.constantFrom(...VALUES)), {
          minLength: 1,
          maxLength: 5,
          selector: ([n]) => n,
        }),
        async (headers) => {
          const before = env.upstream.seen.length;
          const res = await rawGet(env.gate.url, '/admin/panel', [
            'Accept: application/json',
            ...headers.map(([n, v]) => `${n}: ${v}`),
          ]);
          expect(res.status).toBe(401);
          expect(reachedSince(before)).toEqual([]);
        },
      ),
      { seed: FUZZ.seed, numRuns: FUZZ.numRuns },
    );
  });

  it('never arrive at the upstream as sent', async () => {
    const before = env.upstream.seen.length;
    await rawGet(
      env.gate.url,
      '/public/x',
      FORWARDING.map((n) => `${n}: spoofed-${n.length}`),
    );
    const [seen] = reachedSince(before);
    for (const name of FORWARDING) expect(String(seen!.headers[name.toLowerCase()] ?? '')).not.toContain('spoofed');
  });
});

describe('identity headers', () => {
  const spelling = fc
    .tuple(
      fc.constantFrom('', 'X-', 'x_', 'HTTP_', 'X-Forwarded-', 'x-auth-request-'),
      fc.constantFrom('remote', 'REMOTE', 'Remote'),
      fc.constantFrom('-', '_', '.', ''),
      fc.constantFrom('user', 'USER', 'User', 'name', 'groups', 'Groups'),
    )
    .map((parts) => parts.join(''));

  it('in any spelling never reach the upstream from a client', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(spelling, { minLength: 1, maxLength: 4, selector: (s) => s.toLowerCase() }),
        async (names) => {
          const before = env.upstream.seen.length;
          const res = await rawGet(
            env.gate.url,
            '/public/x',
            names.map((n) => `${n}: mallory`),
          );
          expect(res.status).toBe(200);
          const [seen] = reachedSince(before);
          expect(Object.values(seen!.headers)).not.toContain('mallory');
        },
      ),
      { seed: FUZZ.seed, numRuns: FUZZ.numRuns },
    );
  });
});
