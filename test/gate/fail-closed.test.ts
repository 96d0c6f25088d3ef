import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { browser, sessionCookie, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

/** A store that works until told to fail, like a backend that goes away under a running gate. */
function breakableStore(): { store: Store; state: { broken: boolean } } {
  const inner = createMemoryStore({ maxEntries: 10_000 });
  const state = { broken: false };
  const store = new Proxy(inner, {
    get(target, prop: keyof Store) {
      const value = target[prop];
      if (typeof value !== 'function' || prop === 'close') return value;
      return (...args: unknown[]) =>
        state.broken
          ? Promise.reject(new Error('connection refused'))
          : (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    },
  });
  return { store, state };
}

const { store, state } = breakableStore();
const env = useGate({ store });

describe('when the store fails', () => {
  it('refuses a protected request with a valid cookie instead of passing it', async () => {
    const res = await signIn(env.gate, browser(env.gate), 'alice');
    const cookie = sessionCookie(res);
    state.broken = true;
    try {
      const before = env.upstream.seen.length;
      const refused = await request(env.gate.url)
        .get('/page')
        .set('Cookie', cookie)
        .set('Accept', 'application/json')
        .expect(503);
      expect(refused.body).toMatchObject({ error: 'unavailable' });
      await request(env.gate.url).get('/page').set('Cookie', cookie).set('Accept', 'text/html').expect(503);
      expect(env.upstream.seen.length).toBe(before);
    } finally {
      state.broken = false;
    }
  });

  it('still serves bypass rules, which need no session', async () => {
    state.broken = true;
    try {
      await request(env.gate.url).get('/public/x').expect(200);
    } finally {
      state.broken = false;
    }
  });

  it('refuses to start a login rather than pretending a code was sent', async () => {
    const agent = browser(env.gate);
    const page = await agent.get('/_gate/login').expect(200);
    const csrf = /name="csrf" value="([^"]*)"/.exec(page.text)![1]!.replace(/&#61;/g, '=');
    state.broken = true;
    try {
      const res = await agent.post('/_gate/login').type('form').send({ identifier: 'alice', rd: '/', csrf });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.status).not.toBe(303);
    } finally {
      state.broken = false;
    }
  });
});
