// The password first factor as the login flow asks it. A wrong password, an unknown user and a
// user without a password all answer false after exactly one scrypt at the default cost, so
// neither the answer nor its timing tells an attacker which usernames exist or have a password.
import { randomBytes } from 'node:crypto';

import { DEFAULT_SCRYPT_PARAMS, formatPasswordHash, KEY_BYTES, SALT_BYTES, verifyPassword } from './password-hash.js';
import type { User } from './types.js';

/** Longer passwords are refused (after the same work), so a huge one costs no more than any other. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface PasswordCheck {
  /**
   * True only when `user` has a password hash and `password` matches it. Counting failures toward
   * a lockout is the caller's job. Caveat: a user whose hash has a higher cost than the default takes
   * longer than the dummy work done for an unknown user, so timing can tell that such a user exists;
   * raise the cost for everyone at once, or accept that.
   */
  check(user: User | undefined, password: string): Promise<boolean>;
}

export function createPasswordCheck(): PasswordCheck {
  let dummy: string | undefined;
  // A well-formed default-cost hash of no known password: random bytes stand in for the key, so
  // making it costs nothing, and nothing typed can match it (its result is ignored anyway).
  const dummyHash = () =>
    (dummy ??= formatPasswordHash({
      params: DEFAULT_SCRYPT_PARAMS,
      salt: randomBytes(SALT_BYTES),
      key: randomBytes(KEY_BYTES),
    }));
  return {
    async check(user, password) {
      const hash = user?.passwordHash;
      if (hash === undefined || password.length > MAX_PASSWORD_LENGTH) {
        await verifyPassword(dummyHash(), password.slice(0, MAX_PASSWORD_LENGTH));
        return false;
      }
      return verifyPassword(hash, password);
    },
  };
}
