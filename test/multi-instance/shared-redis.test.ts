// Two gate instances on one Redis behave as one gate: a login started on A finishes on B,
// a sign-out on A is refused by B at once, and a code raced on both logs in exactly once.
import request from 'supertest';
import { beforeEach, expect, it } from 'vitest';

import { hiddenField } from '../helpers/browser.js';
import { askForCode, CookieJar, signInWithJar } from '../helpers/cookie-jar.js';
import { useRedisGates } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';

describeWithBinary('two gate instances sharing one Redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const env = useRedisGates(binary);
  const { redis } = env;
  // Send limits live in Redis too: each test starts with none used.
  beforeEach(async () => {
    await redis.command('FLUSHALL');
  });

  it('finishes on instance B a login whose code was asked for on instance A', async () => {
    const jar = new CookieJar();
    await signInWithJar(jar, env.a, 'alice', env.b);
    const onB = await jar.get(env.b.url, '/docs', 'application/json');
    expect(onB.status).toBe(200);
    expect(onB.body.headers['remote-user']).toBe('alice');
    const onA = await jar.get(env.a.url, '/docs', 'application/json');
    expect(onA.status).toBe(200);
  });

  it('refuses on B, within 1 s, a session signed out on A', async () => {
    const jar = new CookieJar();
    await signInWithJar(jar, env.a, 'bob');
    expect((await jar.get(env.b.url, '/page', 'application/json')).status).toBe(200);
    const logoutPage = await jar.get(env.a.url, '/_gate/logout');
    const session = jar.header();
    const out = await jar.post(env.a.url, '/_gate/logout', { csrf: hiddenField(logoutPage.text, 'csrf') });
    expect(out.status).toBe(200);
    const loggedOutAt = performance.now();
    // The old cookie, replayed on B (as a stolen or cached cookie would be).
    let refusedAfter = Infinity;
    while (performance.now() - loggedOutAt < 1_000) {
      const res = await request(env.b.url).get('/page').set('Accept', 'application/json').set('Cookie', session);
      if (res.status === 401) {
        refusedAfter = performance.now() - loggedOutAt;
        break;
      }
    }
    expect(refusedAfter).toBeLessThan(1_000);
  });

  it('refuses on both instances the sessions an admin revoked through one of them', async () => {
    const first = new CookieJar();
    const second = new CookieJar();
    await signInWithJar(first, env.a, 'alice');
    await signInWithJar(second, env.b, 'alice');
    expect((await second.get(env.a.url, '/x', 'application/json')).status).toBe(200);
    const revoked = await env.a.gate.sessions.revokeUser('alice');
    expect(revoked).toBeGreaterThanOrEqual(2);
    for (const jar of [first, second]) {
      for (const gate of [env.a, env.b]) expect((await jar.get(gate.url, '/x', 'application/json')).status).toBe(401);
    }
  });

  it('logs in exactly once when the same code is sent to both instances at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      await redis.command('FLUSHALL');
      const jar = new CookieJar();
      const before = env.a.inbox.codesFor('bob').length;
      const csrf = await askForCode(jar, env.a.url, 'bob');
      const code = await env.a.inbox.code('bob', before + 1);
      const cookie = jar.header();
      const [fromA, fromB] = await Promise.all(
        [env.a, env.b].map((g) =>
          request(g.url)
            .post('/_gate/verify')
            .set('Accept', 'text/html')
            .set('Cookie', cookie)
            .type('form')
            .send({ csrf, code }),
        ),
      );
      const logins = [fromA!, fromB!].filter(
        (r) => r.status === 303 && String(r.headers['set-cookie']).includes('otp_gate='),
      );
      expect(logins).toHaveLength(1);
      expect([fromA!.status, fromB!.status].sort()).toEqual([303, 400]);
    }
  });
});
