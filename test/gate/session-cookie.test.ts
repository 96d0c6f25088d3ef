import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { createSigner } from '../../src/session/signer.js';
import { createManualClock } from '../../src/shared/clock.js';
import { browser, sessionCookieValue, signIn, signOut } from '../helpers/browser.js';
import { startTestGate, TEST_SECRET, useGate } from '../helpers/gate.js';

const clock = createManualClock(Date.now());
const env = useGate({ clock, session: `secrets: ["${TEST_SECRET}"]\nlifetime: 12h\nidle_timeout: 1h` });

const api = (cookie: string) =>
  request(env.gate.url).get('/page').set('Accept', 'application/json').set('Cookie', `otp_gate=${cookie}`);

describe('the session cookie', () => {
  it('opens protected pages while it is valid', async () => {
    const cookie = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    await api(cookie).expect(200);
  });

  it('is treated as no cookie when tampered with', async () => {
    const cookie = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    const [id, sig] = cookie.split('.') as [string, string];
    const flipped = id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A');
    await api(`${flipped}.${sig}`).expect(401);
    await api(cookie.slice(0, -3)).expect(401);
    await api(id).expect(401);
  });

  it('is refused when signed with a key the gate does not hold', async () => {
    const cookie = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    const id = cookie.split('.')[0]!;
    const forged = createSigner(['another-secret-that-is-long-enough-0123456789']).sign('session', id);
    await api(forged).expect(401);
  });

  it('ends after the idle timeout', async () => {
    const cookie = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    clock.advance(61 * 60_000);
    await api(cookie).expect(401);
  });

  it('stays alive while used within the idle timeout', async () => {
    const cookie = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    for (let i = 0; i < 4; i++) {
      clock.advance(40 * 60_000);
      await api(cookie).expect(200);
    }
  });

  it('ends after its absolute lifetime however active', async () => {
    const cookie = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    for (let i = 0; i < 24; i++) {
      clock.advance(30 * 60_000);
      if (i < 23) await api(cookie).expect(200);
    }
    await api(cookie).expect(401);
  });

  it('is revoked server-side by logout, so a copy of it stops working too', async () => {
    const agent = browser(env.gate);
    const cookie = sessionCookieValue(await signIn(env.gate, agent, 'alice'));
    await signOut(agent);
    await api(cookie).expect(401);
  });

  it('refuses logout without the form token', async () => {
    const agent = browser(env.gate);
    const cookie = sessionCookieValue(await signIn(env.gate, agent, 'alice'));
    await agent.post('/_gate/logout').type('form').send({ csrf: 'nope' }).expect(403);
    await api(cookie).expect(200);
  });

  it('gets a new id at login, and the session it replaces ends', async () => {
    const agent = browser(env.gate);
    const first = sessionCookieValue(await signIn(env.gate, agent, 'alice'));
    const second = sessionCookieValue(await signIn(env.gate, agent, 'alice'));
    expect(second).not.toBe(first);
    await api(first).expect(401);
    await api(second).expect(200);
  });
});

describe('key rotation', () => {
  it('keeps sessions signed with an older key valid while that key is listed', async () => {
    const old = 'older-secret-still-listed-0123456789-abcdefghij';
    const rotated = await startTestGate({
      upstream: env.upstream.url,
      session: `secrets: ["${TEST_SECRET}", "${old}"]`,
    });
    try {
      const cookie = sessionCookieValue(await signIn(rotated, browser(rotated), 'alice'));
      const id = cookie.split('.')[0]!;
      const signedWithOld = createSigner([old]).sign('session', id);
      await request(rotated.url)
        .get('/page')
        .set('Accept', 'application/json')
        .set('Cookie', `otp_gate=${signedWithOld}`)
        .expect(200);
    } finally {
      await rotated.close();
    }
  });
});
