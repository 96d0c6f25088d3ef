// The Caddy forward_auth snippet in docs/forward-auth/Caddyfile, run by a real Caddy in front of
// the gate and an upstream: sign-in through Caddy, identity headers, redirect/401/403, and the
// table of headers a client adds to change the decision or the identity (issue 16).
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browser, sessionCookie, signIn } from '../helpers/browser.js';
import { itRefusesClientClaims } from '../helpers/client-header-table.js';
import type { FrontProxy } from '../helpers/front-proxy.js';
import { startCaddy } from '../helpers/front-proxy.js';
import { itFrontsTheGate } from '../helpers/front-proxy-contract.js';
import { useGate } from '../helpers/gate.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';

const CADDY = findBinary(['/usr/bin/caddy', '/usr/local/bin/caddy']);

describeWithBinary('Caddy forward_auth in front of the gate', CADDY, 'the Debian package "caddy"', (binary) => {
  const env = useGate({ server: 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]' });
  let caddy: FrontProxy;
  let cookie: string;
  beforeAll(async () => {
    caddy = await startCaddy(binary, env.gate.url, env.upstream.url);
    const viaCaddy = { ...env.gate, url: caddy.url };
    const res = await signIn(viaCaddy, browser(viaCaddy), 'alice', '/docs/');
    expect(res.status, caddy.logs()).toBe(303);
    cookie = sessionCookie(res);
  });
  afterAll(async () => {
    await caddy?.stop();
  });

  itFrontsTheGate(() => ({ url: caddy.url, cookie }));

  it('passes a bypass path without identity, dropping a client-sent Remote-User', async () => {
    const res = await request(caddy.url).get('/public/x').set('Remote-User', 'mallory').expect(200);
    // Caddy 2.6 (Debian) sets copied headers even when empty; 2.7+ leaves them out.
    expect(res.body.headers['remote-user'] ?? '').toBe('');
    expect(res.body.headers['remote-groups'] ?? '').toBe('');
  });

  it('refuses a deny rule and a user the rule does not admit with 403', async () => {
    await request(caddy.url).get('/blocked/x').set('Cookie', cookie).expect(403);
    const bob = await signIn(
      { ...env.gate, url: caddy.url },
      browser({ ...env.gate, url: caddy.url }),
      'bob',
      '/docs/',
    );
    await request(caddy.url)
      .get('/admin/')
      .set('Cookie', sessionCookie(bob))
      .set('Accept', 'application/json')
      .expect(403);
  });

  it('believes no nginx X-Original-URL a client adds: a deny rule stays denied', async () => {
    const before = env.upstream.seen.length;
    await request(caddy.url)
      .get('/blocked/x')
      .set('X-Original-URL', 'http://127.0.0.1/public/x')
      .set('X-Original-Method', 'GET')
      .expect(403);
    expect(env.upstream.seen.slice(before)).toEqual([]);
  });

  describe('headers a client adds', () => {
    itRefusesClientClaims(() => ({ url: caddy.url, cookie, seen: env.upstream.seen, logs: () => caddy.logs() }));
  });

  it('decides on the path the app will get: /public/../admin/ is /admin/', async () => {
    await request(caddy.url)
      .get('/public/%2e%2e/admin/')
      .set('Accept', 'application/json')
      .expect((res) => expect([400, 401, 403]).toContain(res.status));
  });
});
