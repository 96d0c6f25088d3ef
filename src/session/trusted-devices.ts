// "Trust this browser": after a one-time code, a person may let this browser skip the code for
// as long as the rule allows. The browser keeps a signed device id in its own cookie; the record
// behind it (whose browser, trusted when) lives in the Store, so it is bound to one user and
// revoked with that user's sessions, on every instance.
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { Signer } from './signer.js';
import { randomId } from './signer.js';

export interface TrustedDevice {
  id: string;
  user: string;
  /** When the browser was trusted, ms. */
  trustedAt: number;
}

export interface TrustedDevices {
  /** Trusts a browser for `lifetimeMs`; returns the cookie value to set. */
  trust(user: string, lifetimeMs: number): Promise<string>;
  /** The live trust a cookie names, or undefined when absent, tampered, expired or revoked. */
  resolve(cookie: string | undefined): Promise<TrustedDevice | undefined>;
  /** Forgets every browser a user trusted; returns how many there were. */
  revokeUser(user: string): Promise<number>;
}

const PURPOSE = 'device';
const key = (id: string) => `device:${id}`;
const userKey = (user: string) => `devices-of:${user}`;

export function createTrustedDevices(deps: { store: Store; signer: Signer; clock: Clock }): TrustedDevices {
  const { store, signer, clock } = deps;
  return {
    async trust(user, lifetimeMs) {
      const id = randomId();
      await guardStore('trusting a browser', async () => {
        // Index first, as for sessions: a trust that exists is always revocable by its user.
        await store.setAdd(userKey(user), id, lifetimeMs);
        await store.set(key(id), toStored({ user, trustedAt: clock.now() }), lifetimeMs);
      });
      return signer.sign(PURPOSE, id);
    },

    async resolve(cookie) {
      const id = cookie === undefined ? undefined : signer.unsign(PURPOSE, cookie);
      if (id === undefined) return undefined;
      const raw = await guardStore('loading a trusted browser', () => store.get(key(id)));
      return raw === undefined ? undefined : fromStored(id, raw);
    },

    async revokeUser(user) {
      return guardStore('forgetting trusted browsers', async () => {
        const ids = await store.setMembers(userKey(user));
        let count = 0;
        for (const id of ids) if (await store.delete(key(id))) count += 1;
        await store.delete(userKey(user));
        return count;
      });
    },
  };
}

// Stored as { u: user, t: trustedAt }: short keys, as for sessions, which every release sharing the
// store reads; only these two functions use them.
function toStored(device: Omit<TrustedDevice, 'id'>): string {
  return JSON.stringify({ u: device.user, t: device.trustedAt });
}

function fromStored(id: string, raw: string): TrustedDevice | undefined {
  try {
    const r = JSON.parse(raw) as { u?: unknown; t?: unknown };
    if (typeof r.u === 'string' && typeof r.t === 'number') return { id, user: r.u, trustedAt: r.t };
  } catch {
    // An unreadable record trusts nobody.
  }
  return undefined;
}
