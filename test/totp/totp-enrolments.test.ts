// Enrolling an authenticator app and checking its codes at login, on the memory store.
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { StoreError } from '../../src/store/store.js';
import { createSecretBox } from '../../src/totp/secret-box.js';
import { TOTP_PERIOD_MS } from '../../src/totp/totp.js';
import { createTotpEnrolments, PENDING_TTL_MS } from '../../src/totp/totp-enrolments.js';
import { codeFor, wrongCode } from '../helpers/totp-codes.js';

const KEY = 'totp-test-key-0123456789-0123456789';

function setup(store?: Store) {
  const clock = createManualClock();
  const s = store ?? createMemoryStore({ maxEntries: 1000, clock });
  const totp = createTotpEnrolments({ store: s, box: createSecretBox([KEY]), clock, issuer: 'Test Gate' });
  /** Enrols a user and moves past the confirming code's window, so the next code is fresh. */
  const enrol = async (user: string) => {
    const { secret } = await totp.begin(`sess-${user}`, user);
    expect(await totp.confirm(`sess-${user}`, user, codeFor(secret, clock.now()))).toBe(true);
    clock.advance(3 * TOTP_PERIOD_MS);
    return secret;
  };
  return { clock, store: s, totp, enrol };
}

describe('totp enrolment', () => {
  it('is not enrolled before confirming, and is after', async () => {
    const { totp, clock } = setup();
    const { secret } = await totp.begin('s1', 'alice');
    expect(await totp.isEnrolled('alice')).toBe(false);
    expect(await totp.confirm('s1', 'alice', codeFor(secret, clock.now()))).toBe(true);
    expect(await totp.isEnrolled('alice')).toBe(true);
  });

  it('gives a URI naming the issuer, the user and the secret', async () => {
    const { totp } = setup();
    const { secret, uri } = await totp.begin('s1', 'alice');
    expect(uri).toContain('issuer=Test%20Gate');
    expect(uri).toContain('Test%20Gate:alice');
    expect(uri).toContain(`secret=${secret}`);
  });

  it('refuses a wrong confirmation code and keeps the pending secret for another try', async () => {
    const { totp, clock } = setup();
    const { secret } = await totp.begin('s1', 'alice');
    const right = codeFor(secret, clock.now());
    expect(await totp.confirm('s1', 'alice', wrongCode(right))).toBe(false);
    expect(await totp.isEnrolled('alice')).toBe(false);
    expect(await totp.confirm('s1', 'alice', right)).toBe(true);
  });

  it("refuses to confirm another session's pending secret", async () => {
    const { totp, clock } = setup();
    const { secret } = await totp.begin('s1', 'alice');
    expect(await totp.confirm('s2', 'alice', codeFor(secret, clock.now()))).toBe(false);
  });

  it('refuses to confirm a pending secret for a different user', async () => {
    const { totp, clock } = setup();
    const { secret } = await totp.begin('s1', 'alice');
    expect(await totp.confirm('s1', 'bob', codeFor(secret, clock.now()))).toBe(false);
    expect(await totp.isEnrolled('bob')).toBe(false);
  });

  it('forgets a pending secret after ten minutes', async () => {
    const { totp, clock } = setup();
    const { secret } = await totp.begin('s1', 'alice');
    clock.advance(PENDING_TTL_MS);
    expect(await totp.confirm('s1', 'alice', codeFor(secret, clock.now()))).toBe(false);
  });

  it('shows the pending secret again, only to the user it was begun for', async () => {
    const { totp } = setup();
    const begun = await totp.begin('s1', 'alice');
    expect(await totp.pending('s1', 'alice')).toEqual(begun);
    expect(await totp.pending('s1', 'bob')).toBeUndefined();
  });

  it('replaces the pending secret when begun again', async () => {
    const { totp, clock } = setup();
    const first = await totp.begin('s1', 'alice');
    const second = await totp.begin('s1', 'alice');
    expect(second.secret).not.toBe(first.secret);
    expect(await totp.confirm('s1', 'alice', codeFor(first.secret, clock.now()))).toBe(false);
    expect(await totp.confirm('s1', 'alice', codeFor(second.secret, clock.now()))).toBe(true);
  });

  it('replaces the old secret on re-enrolment', async () => {
    const { totp, clock, enrol } = setup();
    const old = await enrol('alice');
    await enrol('alice');
    expect(await totp.verify('alice', codeFor(old, clock.now()))).toBe('wrong');
  });

  it('uses up the code that confirmed enrolment, so it cannot also sign in', async () => {
    const { totp, clock } = setup();
    const { secret } = await totp.begin('s1', 'alice');
    const code = codeFor(secret, clock.now());
    await totp.confirm('s1', 'alice', code);
    expect(await totp.verify('alice', code)).toBe('replayed');
  });

  it('removes an enrolment, and says whether there was one', async () => {
    const { totp, enrol } = setup();
    await enrol('alice');
    expect(await totp.remove('alice')).toBe(true);
    expect(await totp.isEnrolled('alice')).toBe(false);
    expect(await totp.remove('alice')).toBe(false);
  });

  it('stores the secret only encrypted', async () => {
    const { store, enrol } = setup();
    const secret = await enrol('alice');
    const stored = await store.get('totp:alice');
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);
  });
});

describe('totp login check', () => {
  it("accepts the user's current code", async () => {
    const { totp, clock, enrol } = setup();
    const secret = await enrol('alice');
    expect(await totp.verify('alice', codeFor(secret, clock.now()))).toBe('ok');
  });

  it('accepts a code once: the same code again is a replay', async () => {
    const { totp, clock, enrol } = setup();
    const secret = await enrol('alice');
    const code = codeFor(secret, clock.now());
    await totp.verify('alice', code);
    expect(await totp.verify('alice', code)).toBe('replayed');
  });

  it('refuses a code from two steps ago', async () => {
    const { totp, clock, enrol } = setup();
    const secret = await enrol('alice');
    expect(await totp.verify('alice', codeFor(secret, clock.now() - 2 * TOTP_PERIOD_MS))).toBe('wrong');
  });

  it("refuses one user's code for another", async () => {
    const { totp, clock, enrol } = setup();
    const secret = await enrol('alice');
    await enrol('bob');
    expect(await totp.verify('bob', codeFor(secret, clock.now()))).toBe('wrong');
  });

  it.each([
    ['an unenrolled user', 'carol'],
    ['an unknown user', undefined],
  ])('answers wrong for %s', async (_what, user) => {
    const { totp, clock } = setup();
    expect(await totp.verify(user, codeFor('JBSWY3DPEHPK3PXP', clock.now()))).toBe('wrong');
  });

  it('reads the store as often for an unknown user as for an enrolled one (no timing tell)', async () => {
    const { totp, clock, enrol, store } = setup();
    const secret = await enrol('alice');
    let reads = 0;
    const get = store.get.bind(store);
    store.get = async (key) => {
      reads += 1;
      return get(key);
    };
    await totp.verify('alice', wrongCode(codeFor(secret, clock.now())));
    const enrolled = reads;
    reads = 0;
    await totp.verify(undefined, '000000');
    expect(reads).toBe(enrolled);
  });

  it('fails with a StoreError when the store fails (the gate then fails closed)', async () => {
    const broken = createMemoryStore({ maxEntries: 10 });
    broken.get = () => Promise.reject(new Error('ECONNREFUSED'));
    const { totp } = setup(broken);
    await expect(totp.verify('alice', '123456')).rejects.toBeInstanceOf(StoreError);
  });
});
