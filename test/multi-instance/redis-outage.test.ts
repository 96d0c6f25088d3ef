// Fail closed: with Redis gone, no protected request reaches the upstream (sessions cannot be
// verified, so people get a 503 page and APIs 503 JSON), and the gates serve again by themselves
// within 5 s of Redis returning. Forms keep what the person typed.
import request from 'supertest';
import { beforeEach, expect, it } from 'vitest';

import { askForCode, CookieJar, signInWithJar } from '../helpers/cookie-jar.js';
import type { TestGate } from '../helpers/gate.js';
import { useRedisGates } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { waitFor } from '../helpers/wait.js';

// Real waits: Redis is a real process killed and restarted under load, ioredis reconnects on its
// own timers, and what is measured is how long the gates take in real time.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Shot {
  path: string;
  status: number;
  contentType: string;
  startedAt: number;
}

/** Waits until each gate's store answers: ioredis reconnects on timers of its own. */
const untilStoresAnswer = (...gates: TestGate[]) =>
  waitFor('the gates to reconnect to Redis', async () =>
    (
      await Promise.all(
        gates.map((g) =>
          g.gate.store.check().then(
            () => true,
            () => false,
          ),
        ),
      )
    ).every(Boolean),
  );

describeWithBinary('the gates while Redis is down', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const env = useRedisGates(binary);
  const { redis } = env;
  // Each test starts with Redis up and both gates connected to it again.
  beforeEach(async () => {
    redis.resume();
    await redis.start();
    await untilStoresAnswer(env.a, env.b);
  });

  it('lets no protected request through while Redis is killed mid-load, and serves again within 5 s of its restart', async () => {
    const sessions = [
      await signInWithJar(new CookieJar(), env.a, 'alice'),
      await signInWithJar(new CookieJar(), env.b, 'bob'),
    ];
    const gates = [env.a, env.b];
    const VERIFIED_CACHE_MS = env.a.gate.config().session.verifiedCache;
    const shots: Shot[] = [];
    let running = true;
    let n = 0;
    const worker = async (w: number) => {
      while (running) {
        const i = n++;
        const gate = gates[i % 2]!;
        // Mostly signed-in traffic; every 5th request has no session or a forged one.
        const kind = i % 5 === 4 ? (i % 2 === 0 ? 'none' : 'forged') : 'session';
        const cookie =
          kind === 'session' ? sessions[(i + w) % 2]!.header() : kind === 'forged' ? 'otp_gate=forged.value' : '';
        const path = `/load/${kind}/${i}`;
        const html = i % 3 === 0;
        const startedAt = performance.now();
        const res = await request(gate.url)
          .get(path)
          .set('Accept', html ? 'text/html' : 'application/json')
          .set('Cookie', cookie);
        shots.push({ path, status: res.status, contentType: String(res.headers['content-type']), startedAt });
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));

    await sleep(300);
    await redis.kill();
    const killedAt = performance.now();
    // Sessions verified in the last session.verified_cache before the kill may still pass (they were
    // valid, and the cache is emptied at the first store failure); after that window, nothing.
    await sleep(VERIFIED_CACHE_MS);
    const seenAtKill = env.upstream.seen.length;
    await sleep(1_000);
    const seenBeforeRestart = env.upstream.seen.length;
    // Requests from here on may meet the new, empty Redis (a 401 for a session it never held):
    // the outage is what came before the restart began, not before it was reported done.
    const restartingAt = performance.now();
    await redis.start();
    const restartedAt = performance.now();
    // Recovered: a signed-in request on each gate is answered by something other than 503.
    let recoveredAfter = Infinity;
    while (performance.now() - restartedAt < 5_000) {
      const statuses = await Promise.all(
        gates.map((g, i) =>
          request(g.url).get('/probe').set('Accept', 'application/json').set('Cookie', sessions[i]!.header()),
        ),
      );
      if (statuses.every((r) => r.status !== 503)) {
        recoveredAfter = performance.now() - restartedAt;
        break;
      }
      await sleep(20);
    }
    running = false;
    await load;

    const during = shots.filter((s) => s.startedAt > killedAt + VERIFIED_CACHE_MS + 50 && s.startedAt < restartingAt);
    console.info(
      `outage: ${shots.length} requests in all, ${during.length} while Redis was down; recovered ${Math.round(recoveredAfter)} ms after restart`,
    );
    expect(during.length).toBeGreaterThan(8);
    // Nothing reached the upstream while Redis was down (requests already past the check at the kill aside).
    expect(seenBeforeRestart - seenAtKill).toBeLessThanOrEqual(8);
    const lateArrivals = env.upstream.seen.slice(seenAtKill + 8, seenBeforeRestart);
    expect(lateArrivals).toEqual([]);
    // Signed-in requests are refused with 503: a page for people, JSON for APIs.
    const withSession = during.filter((s) => s.path.startsWith('/load/session/'));
    expect(withSession.length).toBeGreaterThan(0);
    expect(withSession.filter((s) => s.status !== 503)).toEqual([]);
    expect(withSession.every((s) => /html|json/.test(s.contentType))).toBe(true);
    // Without a session nothing is looked up: those go to sign-in (302/401), never upstream.
    const anonymous = shots.filter((s) => !s.path.startsWith('/load/session/'));
    expect(anonymous.filter((s) => ![302, 401, 503].includes(s.status))).toEqual([]);
    expect(env.upstream.seen.filter((r) => !r.url.startsWith('/load/session/') && r.url !== '/probe')).toEqual([]);
    // Every request the upstream did see carried a signed-in identity.
    expect(
      env.upstream.seen.every((r) => r.headers['remote-user'] === 'alice' || r.headers['remote-user'] === 'bob'),
    ).toBe(true);
    expect(recoveredAfter).toBeLessThan(5_000);

    // Serving again: a fresh sign-in works and is proxied (this Redis kept no data, so the old sessions are gone).
    const again = await signInWithJar(new CookieJar(), env.b, 'alice');
    expect((await again.get(env.a.url, '/after', 'application/json')).status).toBe(200);
  });

  it('answers API clients 503 JSON with Retry-After, and people a 503 page, when a session cannot be checked', async () => {
    const jar = await signInWithJar(new CookieJar(), env.a, 'alice');
    await redis.kill();
    const api = await request(env.a.url).get('/x').set('Accept', 'application/json').set('Cookie', jar.header());
    expect(api.status).toBe(503);
    expect(api.headers['retry-after']).toBe('5');
    expect(api.body).toMatchObject({ error: 'unavailable' });
    const page = await request(env.a.url).get('/x').set('Accept', 'text/html').set('Cookie', jar.header());
    expect(page.status).toBe(503);
    expect(page.text).toContain('Temporarily unavailable');
  });

  it('keeps the identifier a person typed when asking for a code fails, and sends it again once Redis is back', async () => {
    const jar = new CookieJar();
    const login = await jar.get(env.a.url, '/_gate/login?rd=%2Fwiki');
    const csrf = /name="csrf" value="([^"]*)"/.exec(login.text)![1]!;
    await redis.kill();
    const failed = await jar.post(env.a.url, '/_gate/login', { identifier: 'bob', rd: '/wiki', csrf });
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(failed.text).toContain('What you typed is kept');
    expect(failed.text).toMatch(/name="identifier" value="bob"/);
    expect(failed.text).toMatch(/name="rd" value="\/wiki"/);
    // The retry form is the one a person would submit once Redis is back.
    await redis.start();
    await untilStoresAnswer(env.a);
    const retried = await jar.post(env.a.url, '/_gate/login', {
      identifier: 'bob',
      rd: '/wiki',
      csrf: /name="csrf" value="([^"]*)"/.exec(failed.text)![1]!.replace(/&#61;/g, '='),
    });
    expect(retried.status).toBe(303);
  });

  it('keeps the code a person typed when checking it fails, and answers API clients with 503 JSON', async () => {
    const jar = new CookieJar();
    const before = env.a.inbox.codesFor('alice').length;
    const csrf = await askForCode(jar, env.a.url, 'alice');
    const code = await env.a.inbox.code('alice', before + 1);
    redis.pause();
    try {
      const page = await jar.post(env.a.url, '/_gate/verify', { csrf, code });
      expect(page.status).toBe(503);
      expect(page.text).toContain(`name="code" value="${code}"`);
      const api = await jar.post(env.a.url, '/_gate/verify', { csrf, code }, 'application/json');
      expect(api.status).toBe(503);
      expect(api.body).toMatchObject({ error: 'store_unavailable' });
    } finally {
      redis.resume();
    }
    await untilStoresAnswer(env.a);
    // Redis was only frozen, so the challenge survived: the kept code still signs in.
    const done = await jar.post(env.a.url, '/_gate/verify', { csrf, code });
    expect(done.status).toBe(303);
  });

  it('answers a gate page that needs the store with 503 and a way to try again, never 500', async () => {
    const jar = new CookieJar();
    await askForCode(jar, env.b.url, 'alice');
    await redis.kill();
    const page = await jar.get(env.b.url, '/_gate/code');
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toBe('5');
    expect(page.text).toContain('href="/_gate/code"');
    const api = await jar.get(env.b.url, '/_gate/code', 'application/json');
    expect(api.status).toBe(503);
    expect(api.body).toMatchObject({ error: 'store_unavailable' });
  });

  it("reports not-ready while Redis is down and ready again once it is back (issue 5's /readyz on store.check)", async () => {
    const ready = async () => (await request(env.a.url).get('/_gate/readyz')).status;
    // An answer from the previous test's outage may still be cached for a second.
    const start = performance.now();
    while ((await ready()) !== 200) {
      expect(performance.now() - start).toBeLessThan(2_000);
      await sleep(50);
    }
    await redis.kill();
    // Readiness answers are reused for up to a second.
    let notReadyAfter = Infinity;
    const killed = performance.now();
    while (performance.now() - killed < 3_000) {
      if ((await ready()) === 503) {
        notReadyAfter = performance.now() - killed;
        break;
      }
      await sleep(50);
    }
    expect(notReadyAfter).toBeLessThan(2_000);
    await redis.start();
    const restarted = performance.now();
    while ((await ready()) !== 200) {
      expect(performance.now() - restarted).toBeLessThan(5_000);
      await sleep(50);
    }
  });

  it('does not say "signed out" when the session could not be deleted', async () => {
    const jar = await signInWithJar(new CookieJar(), env.a, 'bob');
    const logoutPage = await jar.get(env.a.url, '/_gate/logout');
    const csrf = /name="csrf" value="([^"]*)"/.exec(logoutPage.text)![1]!.replace(/&#61;/g, '=');
    await redis.kill();
    const out = await jar.post(env.a.url, '/_gate/logout', { csrf });
    expect(out.status).toBe(503);
    expect(out.text).not.toContain('You are signed out');
    expect(out.text).toContain('Try again');
  });
});
