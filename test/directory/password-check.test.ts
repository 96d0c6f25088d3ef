// Behaviour of the password first factor: only the right password passes, and a wrong password,
// an unknown user and a user without a password cost the same single scrypt, so they look alike.
import * as crypto from 'node:crypto';

import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { createPasswordCheck, MAX_PASSWORD_LENGTH } from '../../src/directory/password-check.js';
import { hashPassword } from '../../src/directory/password-hash.js';
import type { User } from '../../src/directory/types.js';

// The real scrypt, watched: each call's cost and salt is recorded, so "exactly one scrypt at the
// default cost" is counted rather than guessed from the clock.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, scrypt: vi.fn(actual.scrypt) };
});
const scrypt = vi.mocked(crypto.scrypt);
const costs = () =>
  scrypt.mock.calls.map(([, , , options]) => options as crypto.ScryptOptions).map(({ N, r, p }) => ({ N, r, p }));
const DEFAULT_COST = { N: 2 ** 17, r: 8, p: 1 };

const PASSWORD = 'correct horse battery staple';
const user = (passwordHash?: string): User => ({
  username: 'alice',
  name: 'Alice',
  phone: undefined,
  groups: [],
  channels: [],
  passwordHash,
});

describe('createPasswordCheck', () => {
  let alice: User;
  beforeAll(async () => {
    alice = user(await hashPassword(PASSWORD));
  });
  beforeEach(() => {
    scrypt.mockClear();
  });

  it('the right password passes after one scrypt', async () => {
    expect(await createPasswordCheck().check(alice, PASSWORD)).toBe(true);
    expect(costs()).toEqual([DEFAULT_COST]);
  });

  it('a wrong password fails after one scrypt at the default cost', async () => {
    expect(await createPasswordCheck().check(alice, 'wrong horse battery staple')).toBe(false);
    expect(costs()).toEqual([DEFAULT_COST]);
  });

  it('an unknown user fails after one scrypt at the default cost', async () => {
    expect(await createPasswordCheck().check(undefined, PASSWORD)).toBe(false);
    expect(costs()).toEqual([DEFAULT_COST]);
  });

  it('a user without a password fails after one scrypt at the default cost', async () => {
    expect(await createPasswordCheck().check(user(), PASSWORD)).toBe(false);
    expect(costs()).toEqual([DEFAULT_COST]);
  });

  it('a password over the length limit fails after one scrypt, even when it is the right one', async () => {
    const long = 'x'.repeat(MAX_PASSWORD_LENGTH + 1);
    const longUser = user(await hashPassword(long));
    scrypt.mockClear();
    expect(await createPasswordCheck().check(longUser, long)).toBe(false);
    expect(costs()).toEqual([DEFAULT_COST]);
  });

  it('the dummy hash is made once and reused', async () => {
    const passwords = createPasswordCheck();
    await passwords.check(undefined, 'a');
    await passwords.check(user(), 'b');
    const [first, second] = scrypt.mock.calls.map(([, salt]) => Buffer.from(salt as Buffer).toString('hex'));
    expect(scrypt).toHaveBeenCalledTimes(2);
    expect(second).toBe(first);
  });

  it('a wrong password, an unknown user and a user without a password take about the same time', async () => {
    const passwords = createPasswordCheck();
    const time = async (who: User | undefined) => {
      const started = process.hrtime.bigint();
      expect(await passwords.check(who, 'wrong horse battery staple')).toBe(false);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    // The fastest of each: other work on a shared machine only ever adds time, so minimums
    // compare the work itself where medians still carry the noise of a busy neighbour.
    const fastest = (xs: number[]) => Math.min(...xs);
    const wrong: number[] = [];
    const unknown: number[] = [];
    const none: number[] = [];
    // Five rounds of three default-cost scrypts, interleaved.
    for (let i = 0; i < 5; i++) {
      wrong.push(await time(alice));
      unknown.push(await time(undefined));
      none.push(await time(user()));
    }
    // A skipped or an extra scrypt would show as a gap of a whole scrypt (hundreds of ms here),
    // so the bound is half of one: relative, because on a shared CI machine one scrypt can take
    // anywhere from 100 to 500 ms, and a fixed 20 ms would then be noise.
    const bound = fastest(wrong) / 2;
    expect(Math.abs(fastest(unknown) - fastest(wrong))).toBeLessThan(bound);
    expect(Math.abs(fastest(none) - fastest(wrong))).toBeLessThan(bound);
    // 15 scrypts of 128 MiB each: seconds on a quiet machine, far more beside a full parallel suite.
  }, 180_000);
});
