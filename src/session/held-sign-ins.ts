// A sign-in whose code was right, held for a moment while a person enrolled by phone (issue 21)
// says what to call them: the session is made once the name is known, so it carries the name
// from its first request. Kept with the login flow, taken once.
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { Proof } from './sessions.js';

export interface HeldSignIn {
  /** The person's number (E.164). */
  user: string;
  proof: Omit<Proof, 'at'>;
  rule: string;
  returnTo: string;
}

export interface HeldSignIns {
  hold(flowId: string, pending: HeldSignIn): Promise<void>;
  /** The held sign-in, once; undefined when none (already taken, or expired). */
  take(flowId: string): Promise<HeldSignIn | undefined>;
  /** Whether one is held, without taking it (to show the page again). */
  has(flowId: string): Promise<boolean>;
}

const key = (flowId: string) => `pending-sign-in:${flowId}`;

export function createHeldSignIns(deps: { store: Store; lifetimeMs: number }): HeldSignIns {
  const { store } = deps;
  return {
    async hold(flowId, pending) {
      await guardStore('holding a sign-in for a name', () =>
        store.set(key(flowId), JSON.stringify(pending), deps.lifetimeMs),
      );
    },
    async take(flowId) {
      // Only one of the requests that raced here gets it, and signs in.
      const raw = await guardStore('taking a held sign-in', () => store.take(key(flowId)));
      return raw === undefined ? undefined : (JSON.parse(raw) as HeldSignIn);
    },
    async has(flowId) {
      return (await guardStore('loading a held sign-in', () => store.get(key(flowId)))) !== undefined;
    },
  };
}
