// In-memory Store on lru-cache: bounded (oldest entries go first) and TTL-aware. One process only.
// Entries live in four partitions, each with store.max_entries of room, so that work anyone can
// cause without proving anything (sign-in flows, deliveries, send counters) only ever pushes out
// its own kind: a flood of unknown names once evicted a lockout (and the attacker got fresh
// guesses) and signed idle people out (issue 25). Lockouts take ten wrong codes each to create,
// sessions and enrolments a sign-in: a flood cannot fill their partitions.
import { LRUCache } from 'lru-cache';

import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { Store } from './store.js';

interface Entry {
  /** A plain value, or the members of a set. */
  value: string | Set<string>;
  expiresAt: number;
}

export type StorePartition = 'lockouts' | 'limits' | 'people' | 'flows';

/** Key families by what they hold; anything not listed is a flow. */
const PARTITION_OF: Record<string, StorePartition> = {
  lock: 'lockouts',
  fails: 'lockouts',
  'totp-used': 'lockouts',
  sends: 'limits',
  attempts: 'limits',
  session: 'people',
  'sessions-of': 'people',
  device: 'people',
  'devices-of': 'people',
  totp: 'people',
  'totp-pending': 'people',
};

export function partitionOf(key: string): StorePartition {
  return PARTITION_OF[key.slice(0, key.indexOf(':'))] ?? 'flows';
}

export interface MemoryStoreOptions {
  /** Room in each partition. */
  maxEntries: number;
  clock?: Clock;
  /** Told each entry pushed out for room (not expired), by partition: the otp_gate_store_evictions_total metric. */
  onEvict?: (partition: StorePartition) => void;
}

export function createMemoryStore(options: MemoryStoreOptions): Store {
  const clock = options.clock ?? systemClock;
  // Expiry is checked against the injected clock rather than lru-cache's own timer, so tests
  // can move time; lru-cache still bounds memory.
  const partition = (name: StorePartition) =>
    new LRUCache<string, Entry>({
      max: options.maxEntries,
      ...(options.onEvict
        ? {
            dispose: (_v: Entry, _k: string, reason: LRUCache.DisposeReason) =>
              reason === 'evict' && options.onEvict!(name),
          }
        : {}),
    });
  const partitions = {
    lockouts: partition('lockouts'),
    limits: partition('limits'),
    people: partition('people'),
    flows: partition('flows'),
  };
  /** The partition a key lives in: its family's. */
  const cacheOf = (key: string) => partitions[partitionOf(key)];
  const cache = {
    get: (key: string) => cacheOf(key).get(key),
    set: (key: string, entry: Entry) => cacheOf(key).set(key, entry),
    delete: (key: string) => cacheOf(key).delete(key),
    clear: () => Object.values(partitions).forEach((p) => p.clear()),
  };

  function live(key: string): Entry | undefined {
    const entry = cache.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= clock.now()) {
      cache.delete(key);
      return undefined;
    }
    return entry;
  }

  return {
    async get(key) {
      const value = live(key)?.value;
      return typeof value === 'string' ? value : undefined;
    },
    async set(key, value, ttlMs) {
      cache.set(key, { value, expiresAt: clock.now() + ttlMs });
    },
    async delete(key) {
      const existed = live(key) !== undefined;
      cache.delete(key);
      return existed;
    },
    async increment(key, ttlMs) {
      const entry = live(key);
      const count = entry === undefined || typeof entry.value !== 'string' ? 1 : Number(entry.value) + 1;
      cache.set(key, { value: String(count), expiresAt: entry?.expiresAt ?? clock.now() + ttlMs });
      return count;
    },
    async replace(key, value, ttlMs) {
      if (live(key) === undefined) return false;
      cache.set(key, { value, expiresAt: clock.now() + ttlMs });
      return true;
    },
    async setAdd(key, member, ttlMs) {
      const entry = live(key);
      const members = entry && typeof entry.value !== 'string' ? entry.value : new Set<string>();
      members.add(member);
      cache.set(key, { value: members, expiresAt: Math.max(entry?.expiresAt ?? 0, clock.now() + ttlMs) });
    },
    async setMembers(key) {
      const value = live(key)?.value;
      return value === undefined || typeof value === 'string' ? [] : [...value];
    },
    async setRemove(key, ...members) {
      const value = live(key)?.value;
      if (value === undefined || typeof value === 'string') return;
      for (const m of members) value.delete(m);
      if (value.size === 0) cache.delete(key);
    },
    async check() {},
    async close() {
      cache.clear();
    },
  };
}
