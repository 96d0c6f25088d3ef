// Two gate instances on one Redis behave as one gate: a login started on A finishes on B,
// a sign-out on A is refused by B at once, and a code raced on both logs in exactly once.
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { hiddenField } from '../helpers/browser.js';
import { askForCode, CookieJar } from '../helpers/cookie-jar.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { REDIS_INSTALL, REDIS_SERVER, startRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

/** Signs a user in: code asked on one instance, typed on another (or the same). */
async function signIn(jar: CookieJar, start: TestGate, finish: TestGate, user: string): Promise<void> {
  const before = start.inbox.codesFor(user).length;
  const csrf = await askForCode(jar, start.url, user);
  const code = await start.inbox.code(user, before + 1);
  const res = await jar.post(finish.url, '/_gate/verify', { csrf, code });
  if (res.status !== 303) throw new Error(`verify answered ${res.status}: ${res.text}`);
}

describeWithBinary('two gate instances sharing one Redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  let redis: TestRedis;
  let upstream: TestUpstream;
  let a: TestGate;
  let b: TestGate;
  beforeAll(async () => {
    redis = await startRedis(binary);
    upstream = await startUpstream();
    a = await startTestGate({ upstream: upstream.url, extraConfig: redisStoreSection(redis.url) });
    b = await startTestGate({ upstream: upstream.url, extraConfig: redisStoreSection(redis.url) });
  });
  // Send limits live in Redis too: each test starts with none used.
  beforeEach(async () => {
    await redis.command('FLUSHALL');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it('finishes on instance B a login whose code was asked for on instance A', async () => {
    const jar = new CookieJar();
    await signIn(jar, a, b, 'alice');
    const onB = await jar.get(b.url, '/docs', 'application/json');
    expect(onB.status).toBe(200);
    expect(onB.body.headers['remote-user']).toBe('alice');
    const onA = await jar.get(a.url, '/docs', 'application/json');
    expect(onA.status).toBe(200);
  });

  it('refuses on B, within 1 s, a session signed out on A', async () => {
    const jar = new CookieJar();
    await signIn(jar, a, a, 'bob');
    expect((await jar.get(b.url, '/page', 'application/json')).status).toBe(200);
    const logoutPage = await jar.get(a.url, '/_gate/logout');
    const session = jar.header();
    const out = await jar.post(a.url, '/_gate/logout', { csrf: hiddenField(logoutPage.text, 'csrf') });
    expect(out.status).toBe(200);
    const loggedOutAt = performance.now();
    // The old cookie, replayed on B (as a stolen or cached cookie would be).
    let refusedAfter = Infinity;
    while (performance.now() - loggedOutAt < 1_000) {
      const res = await request(b.url).get('/page').set('Accept', 'application/json').set('Cookie', session);
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
    await signIn(first, a, a, 'alice');
    await signIn(second, b, b, 'alice');
    expect((await second.get(a.url, '/x', 'application/json')).status).toBe(200);
    const revoked = await a.gate.sessions.revokeUser('alice');
    expect(revoked).toBeGreaterThanOrEqual(2);
    for (const jar of [first, second]) {
      for (const gate of [a, b]) expect((await jar.get(gate.url, '/x', 'application/json')).status).toBe(401);
    }
  });

  it('logs in exactly once when the same code is sent to both instances at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      await redis.command('FLUSHALL');
      const jar = new CookieJar();
      const before = a.inbox.codesFor('bob').length;
      const csrf = await askForCode(jar, a.url, 'bob');
      const code = await a.inbox.code('bob', before + 1);
      const cookie = jar.header();
      const [fromA, fromB] = await Promise.all(
        [a, b].map((g) =>
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
