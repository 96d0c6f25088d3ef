// Who has an authenticator app, and checking its codes at login. Built on the Store like sessions,
// so every instance sees the same enrolments and the same used codes. Secrets are stored only
// encrypted (secret-box.ts), bound to their user.
//
// With the memory store, enrolments live only as long as the process: a restart forgets them and
// people enrol again. The Redis store keeps them (see config.example.yaml, `totp:`).
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { SecretBox } from './secret-box.js';
import { newTotpSecret, otpauthUri, TOTP_PERIOD_MS, verifyTotp } from './totp.js';

export type TotpCheck = 'ok' | 'wrong' | 'replayed';

export interface TotpEnrolments {
  isEnrolled(user: string): Promise<boolean>;
  /** A new secret for this session to show (replacing any it was shown before), not yet the user's. */
  begin(sessionId: string, user: string): Promise<{ secret: string; uri: string }>;
  /** The secret this session was shown and has not confirmed yet (to show it again), if any. */
  pending(sessionId: string, user: string): Promise<{ secret: string; uri: string } | undefined>;
  /**
   * Makes the session's pending secret the user's when `code` is right for it (replacing an older
   * one); that code is then used up, so it cannot also sign in. False when wrong or nothing pending.
   */
  confirm(sessionId: string, user: string, code: string): Promise<boolean>;
  /** Forgets the user's secret; true when there was one. */
  remove(user: string): Promise<boolean>;
  /**
   * A login code: 'ok' once per user and time step, 'replayed' for a step already used. An unknown
   * or unenrolled user gets 'wrong' after the same work. Throws StoreError when the store fails.
   */
  verify(user: string | undefined, code: string): Promise<TotpCheck>;
}

/** Store.set needs a TTL; an enrolment should outlive any deployment, so ten years. */
const ENROLMENT_TTL_MS = 10 * 365 * 86_400_000;
/** Long enough to scan the QR code, find the app and type a code. */
export const PENDING_TTL_MS = 10 * 60_000;
/**
 * A code is accepted from one step before its own to one after (three steps); one more step
 * covers instances whose clocks differ a little. Past that, the code is refused anyway.
 */
const USED_TTL_MS = 4 * TOTP_PERIOD_MS;

const enrolmentKey = (user: string) => `totp:${user}`;
const pendingKey = (sessionId: string) => `totp-pending:${sessionId}`;
const usedKey = (user: string, counter: number) => `totp-used:${user}:${counter}`;

/** A secret shown to a session and not confirmed yet. */
interface Pending {
  user: string;
  /** The secret, sealed for user. */
  sealed: string;
}

export function createTotpEnrolments(deps: {
  store: Store;
  box: SecretBox;
  clock: Clock;
  issuer: string;
}): TotpEnrolments {
  const { store, box, clock } = deps;
  // Checked in place of a missing secret, so an unenrolled user costs what an enrolled one does.
  // Random per process: nobody can make a code that "matches" it on purpose.
  const dummy = box.seal(newTotpSecret(), '');

  async function secretOf(user: string | undefined): Promise<string | undefined> {
    const sealed = await guardStore('loading an authenticator secret', () => store.get(enrolmentKey(user ?? '')));
    return user === undefined || sealed === undefined ? undefined : box.open(sealed, user);
  }

  /** The session's pending secret, only for the user it was begun for. */
  async function pendingOf(sessionId: string, user: string): Promise<{ sealed: string; secret: string } | undefined> {
    const raw = await guardStore('loading a pending authenticator secret', () => store.get(pendingKey(sessionId)));
    const pending = raw === undefined ? undefined : fromStored(raw);
    const secret = pending?.user === user ? box.open(pending.sealed, user) : undefined;
    return pending && secret !== undefined ? { sealed: pending.sealed, secret } : undefined;
  }

  const shown = (user: string, secret: string) => ({
    secret,
    uri: otpauthUri({ issuer: deps.issuer, account: user, secret }),
  });

  /** Records a step as used; true only for the first caller, on whichever instance. */
  async function firstUse(user: string, counter: number): Promise<boolean> {
    return (
      (await guardStore('recording a used authenticator code', () =>
        store.increment(usedKey(user, counter), USED_TTL_MS),
      )) === 1
    );
  }

  return {
    async isEnrolled(user) {
      return (await secretOf(user)) !== undefined;
    },

    async begin(sessionId, user) {
      const secret = newTotpSecret();
      const stored = toStored({ user, sealed: box.seal(secret, user) });
      await guardStore('saving a pending authenticator secret', () =>
        store.set(pendingKey(sessionId), stored, PENDING_TTL_MS),
      );
      return shown(user, secret);
    },

    async pending(sessionId, user) {
      const pending = await pendingOf(sessionId, user);
      return pending && shown(user, pending.secret);
    },

    async confirm(sessionId, user, code) {
      const pending = await pendingOf(sessionId, user);
      const counter = pending && verifyTotp(pending.secret, code, clock.now());
      if (pending === undefined || counter === undefined) return false;
      // Only the one confirmation that takes the pending secret saves it (two tabs, two clicks).
      if (!(await guardStore('taking a pending authenticator secret', () => store.delete(pendingKey(sessionId)))))
        return false;
      await guardStore('saving an authenticator secret', () =>
        store.set(enrolmentKey(user), pending.sealed, ENROLMENT_TTL_MS),
      );
      await firstUse(user, counter);
      return true;
    },

    async remove(user) {
      return guardStore('removing an authenticator secret', () => store.delete(enrolmentKey(user)));
    },

    async verify(user, code) {
      const secret = await secretOf(user);
      const counter = verifyTotp(secret ?? box.open(dummy, '') ?? '', code, clock.now());
      if (user === undefined || secret === undefined || counter === undefined) return 'wrong';
      return (await firstUse(user, counter)) ? 'ok' : 'replayed';
    },
  };
}

// Stored as { u: user, s: sealed }: short keys, which every release sharing the store reads; only
// these two functions use them.
function toStored(pending: Pending): string {
  return JSON.stringify({ u: pending.user, s: pending.sealed });
}

function fromStored(raw: string): Pending | undefined {
  try {
    const r = JSON.parse(raw) as { u?: unknown; s?: unknown };
    if (typeof r.u === 'string' && typeof r.s === 'string') return { user: r.u, sealed: r.s };
  } catch {
    // Unreadable: nothing pending.
  }
  return undefined;
}
