// In-memory Store on lru-cache: bounded (oldest entries go first) and TTL-aware. One process only.
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Store } from './store.js';

interface Entry {
  value: string;
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
      return live(key)?.value;
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
      const count = entry === undefined ? 1 : Number(entry.value) + 1;
      cache.set(key, { value: String(count), expiresAt: entry?.expiresAt ?? clock.now() + ttlMs });
      return count;
    },
    async check() {},
    async close() {
      cache.clear();
    },
  };
}
