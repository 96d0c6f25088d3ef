// The browsers each person registered for sign-in approvals by Web Push: the subscription the
// browser gave (its push service endpoint and the keys the message is encrypted to), what the
// person called it, when it was added and last sent a request. On the Store like passkeys, so every
// instance sees the same list; capped per person, the oldest dropped. The endpoint is a
// capability (whoever knows it can send to the browser): it stays here, never in logs or pages,
// which name a device by its random id.
import { randomText } from '../shared/random-text.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';

export interface PushSubscription {
  /** Random, shown in the account page's remove form and the audit in place of the endpoint. */
  id: string;
  /** The push service URL the browser gave: a capability, never logged. */
  endpoint: string;
  /** The browser's P-256 ECDH public key, base64url (RFC 8291 ua_public). */
  p256dh: string;
  /** The browser's 16-byte authentication secret, base64url (RFC 8291 auth_secret). */
  auth: string;
  /** What the person called it ("My phone"). */
  name: string;
  createdAt: number;
  /** When a sign-in request last reached its push service. */
  lastUsedAt: number | undefined;
}

/** What a browser's PushSubscription.toJSON() carries, checked. */
export type NewSubscription = Pick<PushSubscription, 'endpoint' | 'p256dh' | 'auth'>;

export interface PushSubscriptions {
  /** A person's registered browsers, oldest first. */
  list(user: string): Promise<PushSubscription[]>;
  /**
   * Registers a browser (the same endpoint again replaces its entry); past `max`, the oldest go.
   * Returns the new entry and those dropped to make room.
   */
  add(
    user: string,
    subscription: NewSubscription,
    name: string,
    now: number,
    max: number,
  ): Promise<{ added: PushSubscription; dropped: PushSubscription[] }>;
  /** True when the person had it. */
  remove(user: string, id: string): Promise<boolean>;
  /** Removes all of a person's browsers; returns how many there were. */
  removeAll(user: string): Promise<number>;
  /** Notes that a request reached the browser's push service. */
  recordUse(user: string, id: string, at: number): Promise<void>;
}

/** Store.set needs a TTL; a registration lasts until removed or refused by its push service: ten years. */
const KEPT_MS = 10 * 365 * 86_400_000;
const listKey = (user: string) => `push:${user}`;

export function createPushSubscriptions(store: Store): PushSubscriptions {
  async function list(user: string): Promise<PushSubscription[]> {
    const raw = await guardStore('loading push devices', () => store.get(listKey(user)));
    return raw === undefined ? [] : fromStored(raw);
  }
  const save = (user: string, subscriptions: PushSubscription[]) =>
    guardStore('saving push devices', () =>
      subscriptions.length === 0
        ? store.delete(listKey(user)).then(() => undefined)
        : store.set(listKey(user), toStored(subscriptions), KEPT_MS),
    );

  return {
    list,
    async add(user, subscription, name, now, max) {
      const added: PushSubscription = {
        id: randomText(12, 'base64url'),
        ...subscription,
        name,
        createdAt: now,
        lastUsedAt: undefined,
      };
      const others = (await list(user)).filter((s) => s.endpoint !== subscription.endpoint);
      const dropped = others.slice(0, Math.max(0, others.length + 1 - max));
      await save(user, [...others.slice(dropped.length), added]);
      return { added, dropped };
    },
    async remove(user, id) {
      const before = await list(user);
      const after = before.filter((s) => s.id !== id);
      if (after.length === before.length) return false;
      await save(user, after);
      return true;
    },
    async removeAll(user) {
      const before = await list(user);
      await save(user, []);
      return before.length;
    },
    async recordUse(user, id, at) {
      const subscriptions = await list(user);
      const used = subscriptions.find((s) => s.id === id);
      if (!used) return;
      used.lastUsedAt = at;
      await save(user, subscriptions);
    },
  };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_ENDPOINT_CHARS = 2048;

/**
 * A browser's subscription (PushSubscription.toJSON() as posted), when it is well formed and its
 * endpoint is on one of the configured push services; otherwise undefined. Only https endpoints
 * reach real browsers' services; an http one is accepted only where the operator listed it.
 */
export function parseSubscription(json: unknown, services: readonly string[]): NewSubscription | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const { endpoint, keys } = json as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } | null };
  const p256dh = keys?.p256dh;
  const auth = keys?.auth;
  if (typeof endpoint !== 'string' || endpoint.length > MAX_ENDPOINT_CHARS || !URL.canParse(endpoint)) return undefined;
  if (typeof p256dh !== 'string' || !BASE64URL.test(p256dh) || Buffer.from(p256dh, 'base64url').length !== 65)
    return undefined;
  if (typeof auth !== 'string' || !BASE64URL.test(auth) || Buffer.from(auth, 'base64url').length !== 16)
    return undefined;
  if (!onService(new URL(endpoint), services)) return undefined;
  return { endpoint, p256dh, auth };
}

/** Whether a URL's origin is one of the services ("https://*.notify.windows.com" covers its subdomains). */
function onService(url: URL, services: readonly string[]): boolean {
  if (url.username || url.password) return false;
  return services.some((service) => {
    const [scheme, host] = service.split('://') as [string, string];
    if (`${scheme}:` !== url.protocol) return false;
    if (!host.startsWith('*.')) return host === url.host;
    return url.host.endsWith(host.slice(1)) && url.host.length > host.length - 1;
  });
}

// Stored with short keys, which every release sharing the store reads; only these two functions use them.
interface StoredSubscription {
  i: string;
  e: string;
  p: string;
  k: string;
  n: string;
  a: number;
  u?: number;
}

function toStored(subscriptions: PushSubscription[]): string {
  return JSON.stringify(
    subscriptions.map((s): StoredSubscription => ({
      i: s.id,
      e: s.endpoint,
      p: s.p256dh,
      k: s.auth,
      n: s.name,
      a: s.createdAt,
      ...(s.lastUsedAt === undefined ? {} : { u: s.lastUsedAt }),
    })),
  );
}

function fromStored(raw: string): PushSubscription[] {
  try {
    const stored = JSON.parse(raw) as StoredSubscription[];
    if (!Array.isArray(stored)) return [];
    return stored
      .filter((s) => typeof s?.i === 'string' && typeof s.e === 'string' && typeof s.p === 'string')
      .map((s) => ({
        id: s.i,
        endpoint: s.e,
        p256dh: s.p,
        auth: typeof s.k === 'string' ? s.k : '',
        name: typeof s.n === 'string' ? s.n : '',
        createdAt: typeof s.a === 'number' ? s.a : 0,
        lastUsedAt: typeof s.u === 'number' ? s.u : undefined,
      }));
  } catch {
    // Unreadable: no devices (the person registers again).
    return [];
  }
}
