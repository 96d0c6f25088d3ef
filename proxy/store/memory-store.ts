// In-memory Store on lru-cache: bounded (oldest entries go first) and TTL-aware. One process only.
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Store } from './store.js';

interface Entry {
  /** A plain value, or the members of a set. */
  value: string | Set<string>;
  expiresAt: number;
}

export function createMemoryStore(options: { maxEntries: number; clock?: Clock }): Store {
  const clock = options.clock ?? systemClock;
  // Expiry is checked against the injected clock rather than lru-cache's own timer, so tests
  // can move time; lru-cache still bounds memory.
  const cache = new LRUCache<string, Entry>({ max: options.maxEntries });

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
