// /_gate/auth/<front proxy> answers a front proxy: 200 with identity headers, 401 (or a redirect)
// without a session, 403 for deny, and 403 for anything it cannot read, for another proxy's
// headers, for the bare /_gate/auth, or from a caller it does not trust.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { browser, sessionCookie, signIn } from '../helpers/browser.js';
import type { HeaderLines } from '../helpers/client-header-table.js';
import { CLAIMED, clientHeaderCases, sendLines } from '../helpers/client-header-table.js';
import { DOCS } from '../helpers/front-proxy.js';
import { TEST_SECRET, useGate } from '../helpers/gate.js';

const TRUSTING = 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]';

const bobsCookie = async (env: ReturnType<typeof useGate>) =>
  sessionCookie(await signIn(env.gate, browser(env.gate), 'bob'));

/** What Traefik and Caddy send. */
const traefik = (uri: string, extra: Record<string, string> = {}) => ({
  'X-Forwarded-Method': 'GET',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'wiki.apps.test',
  'X-Forwarded-Uri': uri,
  ...extra,
});

describe('forward-auth for a cookie verified moments ago', () => {
  // Long enough that the second question surely comes within it, on a busy machine too.
  const env = useGate({ server: TRUSTING, session: `secrets: ["${TEST_SECRET}"]\nverified_cache: 5s` });

  it('is answered before the request handler returns; the first, which asks the store, later', async () => {
    const cookie = await bobsCookie(env);
    // Listeners run in order within one emit: this one sees the response as the gate's handler left it.
    const endedOnReturn: boolean[] = [];
    const observe = (_req: unknown, res: { writableEnded: boolean }) => endedOnReturn.push(res.writableEnded);
    env.gate.gate.server.on('request', observe);
    try {
      for (const path of ['/docs/a', '/docs/b']) {
        await request(env.gate.url)
          .get('/_gate/auth/nginx')
          .set({ 'X-Original-URL': `https://wiki.apps.test${path}`, 'X-Original-Method': 'GET', Cookie: cookie })
          .expect(200);
      }
    } finally {
      env.gate.gate.server.off('request', observe);
    }
    expect(endedOnReturn).toEqual([false, true]);
  });
});

describe('forward-auth from a trusted proxy', () => {
  const env = useGate({ server: TRUSTING });
  /** nginx's headers go to its endpoint, the X-Forwarded-* ones to Traefik's. */
  const auth = (headers: Record<string, string>, cookie?: string) => {
    const r = request(env.gate.url)
      .get(`/_gate/auth/${'X-Original-URL' in headers ? 'nginx' : 'traefik'}`)
      .set(headers);
    return cookie ? r.set('Cookie', cookie) : r;
  };

  it('allows a signed-in user with identity headers, and never lets it be cached by accident', async () => {
    const cookie = await bobsCookie(env);
    const res = await auth(traefik('/docs/page?x=1'), cookie).expect(200);
    expect(res.headers['remote-user']).toBe('bob');
    expect(res.headers['remote-name']).toBe('Bob Example');
    expect(res.headers['remote-groups']).toBe('staff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toMatch(/.+/);
  });

  it("reads nginx's X-Original-URL and X-Original-Method", async () => {
    const cookie = await bobsCookie(env);
    const res = await auth(
      { 'X-Original-URL': 'https://wiki.apps.test/docs/', 'X-Original-Method': 'POST' },
      cookie,
    ).expect(200);
    expect(res.headers['remote-user']).toBe('bob');
  });

  it('passes a bypass rule without a session, with empty identity headers', async () => {
    const res = await auth(traefik('/public/logo.png')).expect(200);
    expect(res.headers['remote-user']).toBe('');
    expect(res.headers['remote-groups']).toBe('');
  });

  it('answers 401 to an API client without a session', async () => {
    const res = await auth(traefik('/docs/')).set('Accept', 'application/json').expect(401);
    expect(res.body.error).toBe('unauthenticated');
  });

  it('redirects a browser navigation to the login page for Traefik and Caddy', async () => {
    const res = await auth(traefik('/docs/a%20b?q=1')).set('Accept', 'text/html').expect(302);
    expect(res.headers.location).toBe('/_gate/login?rd=%2Fdocs%2Fa%2520b%3Fq%3D1');
  });

  it('answers 401, never a redirect, in nginx style (auth_request acts only on 2xx, 401, 403), naming the login page', async () => {
    const res = await auth({
      'X-Original-URL': 'https://wiki.apps.test:8443/docs/?a=1&b=2',
      'X-Original-Method': 'GET',
    })
      .set('Accept', 'text/html')
      .expect(401);
    expect(res.headers.location).toBe('https://wiki.apps.test:8443/_gate/login?rd=%2Fdocs%2F%3Fa%3D1%26b%3D2');
  });

  it('denies a deny rule even with a session', async () => {
    const cookie = await bobsCookie(env);
    await auth(traefik('/blocked/x'), cookie).expect(403);
  });

  it('denies a signed-in user the rule does not admit', async () => {
    const cookie = await bobsCookie(env);
    await auth(traefik('/admin/'), cookie).expect(403);
  });

  it('decides on the normalised path, like the proxy: /public/../admin/ is /admin/', async () => {
    const cookie = await bobsCookie(env);
    await auth(traefik('/public/../admin/'), cookie).expect(403);
    await auth(traefik('/public/%2e%2e/admin/')).expect((res) => expect([401, 403]).toContain(res.status));
  });

  it.each([
    ['no headers at all', {}],
    [
      'a missing X-Forwarded-Uri',
      { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'wiki.apps.test' },
    ],
    ['a relative X-Forwarded-Uri', traefik('docs')],
    ['a bad X-Forwarded-Proto', traefik('/public/x', { 'X-Forwarded-Proto': 'gopher' })],
    ['a bad method', traefik('/public/x', { 'X-Forwarded-Method': 'G E T' })],
    ['an unknown host', traefik('/public/x', { 'X-Forwarded-Host': 'elsewhere.example' })],
    ['an unreadable host', traefik('/public/x', { 'X-Forwarded-Host': 'wiki.apps.test, evil.example' })],
    ['a double-encoded path', traefik('/public/%252e%252e/admin/')],
    ['a gate route', traefik('/_gate/login')],
    ['X-Original-URL without a method', { 'X-Original-URL': 'https://wiki.apps.test/public/x' }],
    ['a relative X-Original-URL', { 'X-Original-URL': '/public/x', 'X-Original-Method': 'GET' }],
    [
      'an nginx request carrying X-Forwarded-Uri',
      {
        'X-Original-URL': 'https://wiki.apps.test/public/x',
        'X-Original-Method': 'GET',
        'X-Forwarded-Uri': '/public/x',
      },
    ],
    [
      'a Traefik request carrying X-Original-URL',
      traefik('/public/x', { 'X-Original-URL': 'https://wiki.apps.test/public/x' }),
    ],
  ])('denies %s, never 200', async (_what, headers) => {
    const res = await auth(headers as Record<string, string>).expect(403);
    expect(res.body.error).toBe('forbidden');
  });

  it('denies repeated front-proxy headers', async () => {
    const raw = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ default: http }) => {
        const req = http.request(`${env.gate.url}/_gate/auth/traefik`, {
          headers: [
            'Host',
            'gate',
            'X-Forwarded-Method',
            'GET',
            'X-Forwarded-Proto',
            'https',
            'X-Forwarded-Host',
            'wiki.apps.test',
            'X-Forwarded-Uri',
            '/public/x',
            'X-Forwarded-Uri',
            '/admin/',
          ],
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(raw).toBe(403);
  });

  it("passes a trusted proxy's request id upstream on proxied requests too", async () => {
    const res = await request(env.gate.url).get('/public/x').set('X-Request-Id', 'front-456').expect(200);
    expect(res.body.headers['x-request-id']).toBe('front-456');
    expect(res.headers['x-request-id']).toBe('front-456');
  });

  it("keeps a trusted proxy's request id", async () => {
    const res = await auth(traefik('/public/x', { 'X-Request-Id': 'front-123' })).expect(200);
    expect(res.headers['x-request-id']).toBe('front-123');
  });
});

describe('forward-auth endpoints per front proxy', () => {
  const env = useGate({ server: TRUSTING });
  let cookie: string;
  beforeAll(async () => {
    cookie = await bobsCookie(env);
  });

  it('refuses the bare /_gate/auth, naming the endpoints to use instead', async () => {
    const res = await request(env.gate.url).get('/_gate/auth').set(traefik('/public/x')).expect(403);
    expect(res.body.message).toBe(
      'name the front proxy: /_gate/auth/nginx, /_gate/auth/caddy, /_gate/auth/traefik, /_gate/auth/envoy, /_gate/auth/haproxy',
    );
  });

  it.each([
    ['nginx', 'X-Forwarded-Method'],
    ['haproxy', 'X-Forwarded-Host'],
    ['caddy', 'X-Original-URL'],
    ['traefik', 'X-Original-Method'],
    ['envoy', 'X-Forwarded-Uri'],
  ])('%s refuses %s, which only another front proxy sends', async (dialect, foreign) => {
    const own = {
      'X-Original-URL': 'https://wiki.apps.test/public/x',
      'X-Original-Method': 'GET',
      ...traefik('/public/x'),
    };
    const mine =
      dialect === 'nginx' || dialect === 'haproxy'
        ? { 'X-Original-URL': own['X-Original-URL'], 'X-Original-Method': 'GET' }
        : dialect === 'envoy'
          ? { Host: 'wiki.apps.test' }
          : traefik('/public/x');
    const path = `/_gate/auth/${dialect}${dialect === 'envoy' ? '/public/x' : ''}`;
    await request(env.gate.url).get(path).set(mine).expect(200);
    const res = await request(env.gate.url)
      .get(path)
      .set({ ...mine, [foreign]: own[foreign as keyof typeof own] })
      .expect(403);
    expect(res.body.message).toContain(`${foreign.toLowerCase()} is not a ${dialect} header`);
  });

  it('answers HAProxy like nginx: 401 with the login page as an absolute Location', async () => {
    const res = await request(env.gate.url)
      .get('/_gate/auth/haproxy')
      .set({ 'X-Original-URL': 'https://wiki.apps.test/docs/?a=1', 'X-Original-Method': 'GET', Accept: 'text/html' })
      .expect(401);
    expect(res.headers.location).toBe('https://wiki.apps.test/_gate/login?rd=%2Fdocs%2F%3Fa%3D1');
  });

  describe('Envoy ext_authz (original method and Host, original path after the endpoint)', () => {
    const envoy = (method: 'get' | 'post', path: string) =>
      request(env.gate.url)[method](`/_gate/auth/envoy${path}`).set('Host', 'wiki.apps.test');

    it('passes a signed-in user on the original path with identity headers', async () => {
      const res = await envoy('post', '/docs/page?x=1').set('Cookie', cookie).expect(200);
      expect(res.headers['remote-user']).toBe('bob');
    });

    it('redirects a browser without a session to the login page, with where it was going', async () => {
      const res = await envoy('get', '/docs/a?q=1').set('Accept', 'text/html').expect(302);
      expect(res.headers.location).toBe('/_gate/login?rd=%2Fdocs%2Fa%3Fq%3D1');
    });

    it('denies a deny rule and the normalised /public/../blocked/, and a host it does not front', async () => {
      await envoy('get', '/blocked/x').set('Cookie', cookie).expect(403);
      await envoy('get', '/public/../blocked/x').set('Cookie', cookie).expect(403);
      await request(env.gate.url).get('/_gate/auth/envoy/public/x').set('Host', 'elsewhere.example').expect(403);
    });
  });
});

/**
 * Traefik is not run here (no Debian package): this sends the gate what its ForwardAuth documents
 * sending, X-Forwarded-Method/-Proto/-Host/-Uri/-For replacing a client's, plus the client's own
 * headers that the shipped traefik.yml's authRequestHeaders lets through.
 */
describe('Traefik ForwardAuth as documented, with the table of headers a client adds', () => {
  const env = useGate({ server: TRUSTING });
  const middleware = (
    parse(readFileSync(join(DOCS, 'traefik.yml'), 'utf8')) as {
      http: { middlewares: { 'otp-gate': { forwardAuth: { address: string; authRequestHeaders: string[] } } } };
    }
  ).http.middlewares['otp-gate'].forwardAuth;
  const passed = new Set(middleware.authRequestHeaders.map((h) => h.toLowerCase()));
  let cookie: string;
  beforeAll(async () => {
    cookie = sessionCookie(await signIn(env.gate, browser(env.gate), 'alice'));
  });

  it.each(clientHeaderCases('wiki.apps.test'))('$set on $rule, session: $session → $status', async (c) => {
    const client: HeaderLines = c.session ? [...c.headers, ['Cookie', cookie]] : c.headers;
    const traefikSends: HeaderLines = [
      ...client.filter(([name]) => passed.has(name.toLowerCase())),
      ['X-Forwarded-Method', 'GET'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'wiki.apps.test'],
      ['X-Forwarded-Uri', c.path],
      ['X-Forwarded-For', '203.0.113.7'],
    ];
    const res = await sendLines(env.gate.url, new URL(middleware.address).pathname, traefikSends);
    expect(res.status, res.body).toBe(c.status);
    expect(JSON.stringify(res.headers)).not.toContain(CLAIMED);
    if (c.status === 200) expect(res.headers['remote-user']).toBe(c.session && c.rule !== 'bypass' ? 'alice' : '');
  });

  it('refuses what a client added when authRequestHeaders is left out (Traefik passes every header then)', async () => {
    const res = await sendLines(env.gate.url, new URL(middleware.address).pathname, [
      ['X-Original-URL', 'https://wiki.apps.test/public/x'],
      ['X-Original-Method', 'GET'],
      ['X-Forwarded-Method', 'GET'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'wiki.apps.test'],
      ['X-Forwarded-Uri', '/blocked/x'],
    ]);
    expect(res.status).toBe(403);
  });
});

describe('forward-auth from a caller that is not a trusted proxy', () => {
  const env = useGate();

  it('believes none of its headers: even a bypass path is refused', async () => {
    const res = await request(env.gate.url).get('/_gate/auth/traefik').set(traefik('/public/x')).expect(403);
    expect(res.body.message).toContain('trusted_proxies');
  });

  it('refuses a signed-in user too', async () => {
    const cookie = await bobsCookie(env);
    await request(env.gate.url).get('/_gate/auth/traefik').set(traefik('/docs/')).set('Cookie', cookie).expect(403);
  });
});

describe('health endpoints', () => {
  const env = useGate();

  it.each(['127.0.0.1', 'not-a-fronted-host.example', 'gate:8080'])('answer on any host (%s)', async (host) => {
    await request(env.gate.url).get('/_gate/healthz').set('Host', host).expect(200, { status: 'ok' });
    const ready = await request(env.gate.url).get('/_gate/readyz').set('Host', host).expect(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { config: 'ok', store: 'ok', channels: 'ok' },
      channels: { console: 'up' },
    });
  });

  it("give a request id to every proxied request, replacing a client's own", async () => {
    const res = await request(env.gate.url).get('/public/x').set('X-Request-Id', 'spoofed').expect(200);
    const seen = res.body.headers['x-request-id'] as string;
    expect(seen).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(seen);
  });
});
