// Session records on the Store: the per-user index behind `otp-gate sessions`, and revocation
// that a concurrent touch cannot undo.
import { describe, expect, it } from 'vitest';

import type { SessionConfig } from '../../src/config/types.js';
import { createSessions } from '../../src/session/sessions.js';
import { createSigner } from '../../src/session/signer.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { StoreError } from '../../src/store/store.js';
import { TEST_SECRET } from '../helpers/gate.js';

const CONFIG: SessionConfig = {
  cookieName: 'otp_gate',
  domain: undefined,
  secure: false,
  secrets: [TEST_SECRET],
  lifetime: 12 * 3_600_000,
  idleTimeout: 3_600_000,
  verifiedCache: 500,
};

function make(wrap: (store: Store) => Store = (s) => s) {
  const clock = createManualClock();
  const store = wrap(createMemoryStore({ maxEntries: 1_000, clock }));
  const sessions = createSessions({ store, signer: createSigner([TEST_SECRET]), clock, config: CONFIG });
  return { clock, store, sessions };
}

describe('sessions', () => {
  it("lists a user's live sessions, oldest first, and nobody else's", async () => {
    const { clock, sessions } = make();
    const first = await sessions.create('alice');
    clock.advance(1_000);
    const second = await sessions.create('alice');
    await sessions.create('bob');
    const listed = await sessions.list('alice');
    expect(listed.map((s) => s.id)).toEqual([first.session.id, second.session.id]);
    expect(listed.every((s) => s.user === 'alice')).toBe(true);
    expect(await sessions.list('carol')).toEqual([]);
  });

  it('revokes every session of a user and leaves other users signed in', async () => {
    const { sessions } = make();
    const a1 = await sessions.create('alice');
    const a2 = await sessions.create('alice');
    const b = await sessions.create('bob');
    expect(await sessions.revokeUser('alice')).toBe(2);
    expect(await sessions.resolve(a1.cookie)).toBeUndefined();
    expect(await sessions.resolve(a2.cookie)).toBeUndefined();
    expect(await sessions.resolve(b.cookie)).toBeDefined();
    expect(await sessions.list('alice')).toEqual([]);
    expect(await sessions.revokeUser('alice')).toBe(0);
  });

  it("drops a revoked session from its user's list", async () => {
    const { sessions } = make();
    const a1 = await sessions.create('alice');
    const a2 = await sessions.create('alice');
    await sessions.revoke(a1.session.id);
    expect((await sessions.list('alice')).map((s) => s.id)).toEqual([a2.session.id]);
  });

  it('prunes sessions that expired from the list', async () => {
    const { clock, sessions } = make();
    await sessions.create('alice');
    clock.advance(CONFIG.idleTimeout + 1);
    const fresh = await sessions.create('alice');
    expect((await sessions.list('alice')).map((s) => s.id)).toEqual([fresh.session.id]);
  });

  it('finds a session by id for the admin, whoever it belongs to', async () => {
    const { sessions } = make();
    const { session } = await sessions.create('bob');
    expect(await sessions.find(session.id)).toMatchObject({ id: session.id, user: 'bob' });
    expect(await sessions.find('no-such-id')).toBeUndefined();
  });

  it('does not bring back a session revoked between reading it and touching it', async () => {
    // Another instance revokes the session while this one is between its read and its touch.
    let revokeDuringRead: (() => Promise<void>) | undefined;
    const { clock, sessions } = make((store) => ({
      ...store,
      async get(key) {
        const value = await store.get(key);
        const revoke = revokeDuringRead;
        revokeDuringRead = undefined;
        await revoke?.();
        return value;
      },
    }));
    const { session, cookie } = await sessions.create('alice');
    clock.advance(CONFIG.idleTimeout / 2);
    revokeDuringRead = () => sessions.revoke(session.id);
    expect(await sessions.resolve(cookie)).toBeUndefined();
    expect(await sessions.resolve(cookie)).toBeUndefined();
    expect(await sessions.find(session.id)).toBeUndefined();
  });

  it("says how far revoking a user's sessions got when the store fails midway", async () => {
    let deletes = 0;
    const { sessions } = make((store) => ({
      ...store,
      delete: (k: string) => (++deletes === 3 ? Promise.reject(new Error('connection lost')) : store.delete(k)),
    }));
    for (let i = 0; i < 3; i++) await sessions.create('alice');
    const error = await sessions.revokeUser('alice').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toBe('store: revoking sessions (2 of 3 done)');
  });
});

describe('the verified-cookie cache', () => {
  it('answers a repeated cookie without asking the store', async () => {
    let gets = 0;
    const { sessions } = make((store) => ({ ...store, get: (k: string) => (gets++, store.get(k)) }));
    const { cookie } = await sessions.create('alice');
    await sessions.resolve(cookie);
    const after = gets;
    for (let i = 0; i < 10; i++) expect((await sessions.resolve(cookie))?.user).toBe('alice');
    expect(gets).toBe(after);
  });

  it('forgets a session revoked on this instance at once', async () => {
    const { sessions } = make();
    const { cookie, session } = await sessions.create('alice');
    await sessions.resolve(cookie);
    await sessions.revoke(session.id);
    expect(await sessions.resolve(cookie)).toBeUndefined();
  });

  it('sees a revocation made by another instance within the cache time', async () => {
    const clock = createManualClock();
    const store = createMemoryStore({ maxEntries: 1_000, clock });
    const signer = createSigner([TEST_SECRET]);
    const a = createSessions({ store, signer, clock, config: CONFIG });
    const b = createSessions({ store, signer, clock, config: CONFIG });
    const { cookie, session } = await a.create('alice');
    expect(await b.resolve(cookie)).toBeDefined();
    await a.revoke(session.id);
    clock.advance(CONFIG.verifiedCache);
    expect(await b.resolve(cookie)).toBeUndefined();
  });

  it('answers without the store only for a cookie the store vouched for moments ago', async () => {
    const { clock, sessions } = make();
    const { cookie, session } = await sessions.create('alice');
    expect(sessions.cached(cookie)).toBeUndefined();
    await sessions.resolve(cookie);
    expect(sessions.cached(cookie)?.user).toBe('alice');
    expect(sessions.cached(`${cookie}x`)).toBeUndefined();
    await sessions.revoke(session.id);
    expect(sessions.cached(cookie)).toBeUndefined();
    const idle = await sessions.create('bob');
    await sessions.resolve(idle.cookie);
    clock.advance(CONFIG.idleTimeout);
    expect(sessions.cached(idle.cookie)).toBeUndefined();
  });

  it('stops answering from the cache once it is older than the cache time', async () => {
    const { clock, sessions } = make();
    const { cookie } = await sessions.create('alice');
    await sessions.resolve(cookie);
    clock.advance(CONFIG.verifiedCache - 1);
    expect(sessions.cached(cookie)?.user).toBe('alice');
    clock.advance(1);
    expect(sessions.cached(cookie)).toBeUndefined();
  });

  it('still applies the idle timeout to a cached session', async () => {
    const { clock, sessions } = make();
    const { cookie } = await sessions.create('alice');
    await sessions.resolve(cookie);
    clock.advance(CONFIG.idleTimeout);
    expect(await sessions.resolve(cookie)).toBeUndefined();
  });
});

// The stored form is shared with instances of other releases (a rolling upgrade, one Redis): its
// short keys are pinned here as literals, not taken from the code under test.
describe('the stored session record', () => {
  const signer = createSigner([TEST_SECRET]);

  it('reads a session written by an earlier release', async () => {
    const { clock, store, sessions } = make();
    const created = clock.now() - 60_000;
    const stored = {
      u: 'alice',
      c: created,
      s: created,
      f: ['password', 'otp'],
      a: created,
      m: 'whatsapp',
      d: created - 86_400_000,
    };
    await store.set('session:old-id', JSON.stringify(stored), CONFIG.idleTimeout);
    expect(await sessions.resolve(signer.sign('session', 'old-id'))).toEqual({
      id: 'old-id',
      user: 'alice',
      createdAt: created,
      seenAt: created,
      proof: { factors: ['password', 'otp'], at: created, method: 'whatsapp', deviceTrustedAt: created - 86_400_000 },
    });
  });

  it('reads a record from before factors existed as a code login made at its creation', async () => {
    const { clock, store, sessions } = make();
    const created = clock.now() - 60_000;
    await store.set('session:older-id', JSON.stringify({ u: 'alice', c: created, s: created }), CONFIG.idleTimeout);
    expect((await sessions.find('older-id'))?.proof).toEqual({ factors: ['otp'], at: created, method: 'code' });
  });

  it('writes the form an instance of an earlier release reads', async () => {
    const { clock, store, sessions } = make();
    const { session } = await sessions.create('alice', {
      factors: ['password', 'otp'],
      method: 'device',
      deviceTrustedAt: clock.now() - 5_000,
    });
    const now = clock.now();
    expect(JSON.parse((await store.get(`session:${session.id}`))!)).toEqual({
      u: 'alice',
      c: now,
      s: now,
      f: ['password', 'otp'],
      a: now,
      m: 'device',
      d: now - 5_000,
    });
  });
});
