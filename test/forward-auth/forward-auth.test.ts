// /_gate/auth answers a front proxy: 200 with identity headers, 401 (or a redirect) without a
// session, 403 for deny, and 403 for anything it cannot read or from a caller it does not trust.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { browser, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const TRUSTING = 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]';

async function sessionCookie(env: ReturnType<typeof useGate>): Promise<string> {
  const res = await signIn(env.gate, browser(env.gate), 'bob');
  const raw = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('otp_gate='))!;
  return raw.slice(0, raw.indexOf(';'));
}

/** What Traefik and Caddy send. */
const traefik = (uri: string, extra: Record<string, string> = {}) => ({
  'X-Forwarded-Method': 'GET', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'wiki.apps.test', 'X-Forwarded-Uri': uri, ...extra,
});

describe('forward-auth from a trusted proxy', () => {
  const env = useGate({ server: TRUSTING });
  const auth = (headers: Record<string, string>, cookie?: string) => {
    const r = request(env.gate.url).get('/_gate/auth').set(headers);
    return cookie ? r.set('Cookie', cookie) : r;
  };

  it('allows a signed-in user with identity headers, and never lets it be cached by accident', async () => {
    const cookie = await sessionCookie(env);
    const res = await auth(traefik('/docs/page?x=1'), cookie).expect(200);
    expect(res.headers['remote-user']).toBe('bob');
    expect(res.headers['remote-name']).toBe('Bob Example');
    expect(res.headers['remote-groups']).toBe('staff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toMatch(/.+/);
  });

  it('reads nginx\'s X-Original-URL and X-Original-Method', async () => {
    const cookie = await sessionCookie(env);
    const res = await auth({ 'X-Original-URL': 'https://wiki.apps.test/docs/', 'X-Original-Method': 'POST' }, cookie).expect(200);
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
    const res = await auth({ 'X-Original-URL': 'https://wiki.apps.test:8443/docs/?a=1&b=2', 'X-Original-Method': 'GET' }).set('Accept', 'text/html').expect(401);
    expect(res.headers.location).toBe('https://wiki.apps.test:8443/_gate/login?rd=%2Fdocs%2F%3Fa%3D1%26b%3D2');
  });

  it('denies a deny rule even with a session', async () => {
    const cookie = await sessionCookie(env);
    await auth(traefik('/blocked/x'), cookie).expect(403);
  });

  it('denies a signed-in user the rule does not admit', async () => {
    const cookie = await sessionCookie(env);
    await auth(traefik('/admin/'), cookie).expect(403);
  });

  it('decides on the normalised path, like the proxy: /public/../admin/ is /admin/', async () => {
    const cookie = await sessionCookie(env);
    await auth(traefik('/public/../admin/'), cookie).expect(403);
    await auth(traefik('/public/%2e%2e/admin/')).expect((res) => expect([401, 403]).toContain(res.status));
  });

  it.each([
    ['no headers at all', {}],
    ['a missing X-Forwarded-Uri', { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'wiki.apps.test' }],
    ['a relative X-Forwarded-Uri', traefik('docs')],
    ['a bad X-Forwarded-Proto', traefik('/public/x', { 'X-Forwarded-Proto': 'gopher' })],
    ['a bad method', traefik('/public/x', { 'X-Forwarded-Method': 'G E T' })],
    ['an unknown host', traefik('/public/x', { 'X-Forwarded-Host': 'elsewhere.example' })],
    ['an unreadable host', traefik('/public/x', { 'X-Forwarded-Host': 'wiki.apps.test, evil.example' })],
    ['a double-encoded path', traefik('/public/%252e%252e/admin/')],
    ['a gate route', traefik('/_gate/login')],
    ['X-Original-URL without a method', { 'X-Original-URL': 'https://wiki.apps.test/public/x' }],
    ['a relative X-Original-URL', { 'X-Original-URL': '/public/x', 'X-Original-Method': 'GET' }],
  ])('denies %s, never 200', async (_what, headers) => {
    const res = await auth(headers as Record<string, string>).expect(403);
    expect(res.body.error).toBe('forbidden');
  });

  it('denies repeated front-proxy headers', async () => {
    const raw = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ default: http }) => {
        const req = http.request(`${env.gate.url}/_gate/auth`, {
          headers: [
            'Host', 'gate', 'X-Forwarded-Method', 'GET', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'wiki.apps.test',
            'X-Forwarded-Uri', '/public/x', 'X-Forwarded-Uri', '/admin/',
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

  it('passes a trusted proxy\'s request id upstream on proxied requests too', async () => {
    const res = await request(env.gate.url).get('/public/x').set('X-Request-Id', 'front-456').expect(200);
    expect(res.body.headers['x-request-id']).toBe('front-456');
    expect(res.headers['x-request-id']).toBe('front-456');
  });

  it('keeps a trusted proxy\'s request id', async () => {
    const res = await auth(traefik('/public/x', { 'X-Request-Id': 'front-123' })).expect(200);
    expect(res.headers['x-request-id']).toBe('front-123');
  });
});

describe('forward-auth from a caller that is not a trusted proxy', () => {
  const env = useGate();

  it('believes none of its headers: even a bypass path is refused', async () => {
    const res = await request(env.gate.url).get('/_gate/auth').set(traefik('/public/x')).expect(403);
    expect(res.body.message).toContain('trusted_proxies');
  });

  it('refuses a signed-in user too', async () => {
    const cookie = await sessionCookie(env);
    await request(env.gate.url).get('/_gate/auth').set(traefik('/docs/')).set('Cookie', cookie).expect(403);
  });
});

describe('health endpoints', () => {
  const env = useGate();

  it.each(['127.0.0.1', 'not-a-fronted-host.example', 'gate:8080'])('answer on any host (%s)', async (host) => {
    await request(env.gate.url).get('/_gate/healthz').set('Host', host).expect(200, { status: 'ok' });
    const ready = await request(env.gate.url).get('/_gate/readyz').set('Host', host).expect(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { config: 'ok', store: 'ok', channels: 'ok' } });
  });

  it('give a request id to every proxied request, replacing a client\'s own', async () => {
    const res = await request(env.gate.url).get('/public/x').set('X-Request-Id', 'spoofed').expect(200);
    const seen = res.body.headers['x-request-id'] as string;
    expect(seen).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(seen);
  });
});
