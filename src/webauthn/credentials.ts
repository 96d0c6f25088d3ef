// Who has which passkeys and security keys: each person's credentials (public key, sign counter,
// the name they gave it, when it was added and last used) on the Store, and an index from
// credential id to its owner for passkey sign-ins that start without a name. Built on the Store
// like sessions, so every instance sees the same credentials; with the memory store they last as
// long as the process.
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';

export interface Credential {
  /** The credential id, base64url, as the browser reports it. */
  id: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's sign counter at its last use (0 for those that keep none). */
  counter: number;
  /** How the browser may reach it ("usb", "internal", "hybrid", ...), to offer it again. */
  transports: string[];
  /** What the person called it ("Work laptop", "Blue key"). */
  name: string;
  createdAt: number;
  lastUsedAt: number | undefined;
}

export interface WebauthnCredentials {
  /** A person's credentials, oldest first. */
  list(user: string): Promise<Credential[]>;
  add(user: string, credential: Credential): Promise<void>;
  /** True when the person had it. */
  remove(user: string, id: string): Promise<boolean>;
  /** Removes all of a person's credentials; returns how many there were. */
  removeAll(user: string): Promise<number>;
  /** Whose credential this is, for a passkey sign-in that starts without a name. */
  owner(id: string): Promise<string | undefined>;
  /** Notes a sign-in: the new counter and when. */
  recordUse(user: string, id: string, counter: number, at: number): Promise<void>;
}

/** Store.set needs a TTL; a credential should outlive any deployment, so ten years. */
const KEPT_MS = 10 * 365 * 86_400_000;
const listKey = (user: string) => `webauthn:${user}`;
const ownerKey = (id: string) => `webauthn-owner:${id}`;

export function createWebauthnCredentials(store: Store): WebauthnCredentials {
  async function list(user: string): Promise<Credential[]> {
    const raw = await guardStore('loading passkeys', () => store.get(listKey(user)));
    return raw === undefined ? [] : fromStored(raw);
  }
  const save = (user: string, credentials: Credential[]) =>
    guardStore('saving passkeys', () =>
      credentials.length === 0
        ? store.delete(listKey(user)).then(() => undefined)
        : store.set(listKey(user), toStored(credentials), KEPT_MS),
    );

  return {
    list,
    async add(user, credential) {
      await save(user, [...(await list(user)).filter((c) => c.id !== credential.id), credential]);
      await guardStore('indexing a passkey', () => store.set(ownerKey(credential.id), user, KEPT_MS));
    },
    async remove(user, id) {
      const before = await list(user);
      const after = before.filter((c) => c.id !== id);
      if (after.length === before.length) return false;
      await save(user, after);
      await guardStore('unindexing a passkey', () => store.delete(ownerKey(id)));
      return true;
    },
    async removeAll(user) {
      const before = await list(user);
      await save(user, []);
      for (const c of before) await guardStore('unindexing a passkey', () => store.delete(ownerKey(c.id)));
      return before.length;
    },
    owner: (id) => guardStore('finding whose passkey this is', () => store.get(ownerKey(id))),
    async recordUse(user, id, counter, at) {
      const credentials = await list(user);
      const used = credentials.find((c) => c.id === id);
      if (!used) return;
      used.counter = counter;
      used.lastUsedAt = at;
      await save(user, credentials);
    },
  };
}

// Stored with short keys, which every release sharing the store reads; only these two functions use them.
interface StoredCredential {
  i: string;
  k: string;
  c: number;
  t: string[];
  n: string;
  a: number;
  u?: number;
}

function toStored(credentials: Credential[]): string {
  return JSON.stringify(
    credentials.map((c): StoredCredential => ({
      i: c.id,
      k: c.publicKey,
      c: c.counter,
      t: c.transports,
      n: c.name,
      a: c.createdAt,
      ...(c.lastUsedAt === undefined ? {} : { u: c.lastUsedAt }),
    })),
  );
}

function fromStored(raw: string): Credential[] {
  try {
    const stored = JSON.parse(raw) as StoredCredential[];
    if (!Array.isArray(stored)) return [];
    return stored
      .filter((s) => typeof s?.i === 'string' && typeof s.k === 'string')
      .map((s) => ({
        id: s.i,
        publicKey: s.k,
        counter: typeof s.c === 'number' ? s.c : 0,
        transports: Array.isArray(s.t) ? s.t : [],
        name: typeof s.n === 'string' ? s.n : '',
        createdAt: typeof s.a === 'number' ? s.a : 0,
        lastUsedAt: typeof s.u === 'number' ? s.u : undefined,
      }));
  } catch {
    // Unreadable: no credentials (nobody signs in with a key the gate cannot read).
    return [];
  }
}
