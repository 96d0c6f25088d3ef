import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../proxy/clock.js';
import { createSigner } from '../../proxy/session/signer.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import type { TestGate } from '../helpers/gate.js';
import { TEST_SECRET, startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const clock = createManualClock(Date.now());
let upstream: TestUpstream;
let gate: TestGate;

beforeAll(async () => {
  upstream = await startUpstream();
  gate = await startTestGate({ upstream: upstream.url, clock, session: `secrets: ["${TEST_SECRET}"]\nlifetime: 12h\nidle_timeout: 1h` });
});
afterAll(async () => {
  await gate?.close();
  await upstream?.close();
});

function sessionCookieFrom(res: request.Response): string {
  const raw = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('otp_gate='))!;
  return raw.slice('otp_gate='.length, raw.indexOf(';'));
}

const api = (cookie: string) => request(gate.url).get('/page').set('Accept', 'application/json').set('Cookie', `otp_gate=${cookie}`);

describe('the session cookie', () => {
  it('opens protected pages while it is valid', async () => {
    const cookie = sessionCookieFrom(await signIn(gate, browser(gate), 'alice'));
    await api(cookie).expect(200);
  });

  it('is treated as no cookie when tampered with', async () => {
    const cookie = sessionCookieFrom(await signIn(gate, browser(gate), 'alice'));
    const [id, sig] = cookie.split('.') as [string, string];
    const flipped = id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A');
    await api(`${flipped}.${sig}`).expect(401);
    await api(cookie.slice(0, -3)).expect(401);
    await api(id).expect(401);
  });

  it('is refused when signed with a key the gate does not hold', async () => {
    const cookie = sessionCookieFrom(await signIn(gate, browser(gate), 'alice'));
    const id = cookie.split('.')[0]!;
    const forged = createSigner(['another-secret-that-is-long-enough-0123456789']).sign('session', id);
    await api(forged).expect(401);
  });

  it('ends after the idle timeout', async () => {
    const cookie = sessionCookieFrom(await signIn(gate, browser(gate), 'alice'));
    clock.advance(61 * 60_000);
    await api(cookie).expect(401);
  });

  it('stays alive while used within the idle timeout', async () => {
    const cookie = sessionCookieFrom(await signIn(gate, browser(gate), 'alice'));
    for (let i = 0; i < 4; i++) {
      clock.advance(40 * 60_000);
      await api(cookie).expect(200);
    }
  });

  it('ends after its absolute lifetime however active', async () => {
    const cookie = sessionCookieFrom(await signIn(gate, browser(gate), 'alice'));
    for (let i = 0; i < 24; i++) {
      clock.advance(30 * 60_000);
      if (i < 23) await api(cookie).expect(200);
    }
    await api(cookie).expect(401);
  });

  it('is revoked server-side by logout, so a copy of it stops working too', async () => {
    const agent = browser(gate);
    const cookie = sessionCookieFrom(await signIn(gate, agent, 'alice'));
    const page = await agent.get('/_gate/logout').expect(200);
    await agent.post('/_gate/logout').type('form').send({ csrf: hiddenField(page.text, 'csrf') }).expect(200);
    await api(cookie).expect(401);
  });

  it('refuses logout without the form token', async () => {
    const agent = browser(gate);
    const cookie = sessionCookieFrom(await signIn(gate, agent, 'alice'));
    await agent.post('/_gate/logout').type('form').send({ csrf: 'nope' }).expect(403);
    await api(cookie).expect(200);
  });

  it('gets a new id at login, and the session it replaces ends', async () => {
    const agent = browser(gate);
    const first = sessionCookieFrom(await signIn(gate, agent, 'alice'));
    const second = sessionCookieFrom(await signIn(gate, agent, 'alice'));
    expect(second).not.toBe(first);
    await api(first).expect(401);
    await api(second).expect(200);
  });
});

describe('key rotation', () => {
  it('keeps sessions signed with an older key valid while that key is listed', async () => {
    const old = 'older-secret-still-listed-0123456789-abcdefghij';
    const rotated = await startTestGate({ upstream: upstream.url, session: `secrets: ["${TEST_SECRET}", "${old}"]` });
    try {
      const cookie = sessionCookieFrom(await signIn(rotated, browser(rotated), 'alice'));
      const id = cookie.split('.')[0]!;
      const signedWithOld = createSigner([old]).sign('session', id);
      await request(rotated.url).get('/page').set('Accept', 'application/json').set('Cookie', `otp_gate=${signedWithOld}`).expect(200);
    } finally {
      await rotated.close();
    }
  });
});
