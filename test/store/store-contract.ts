// The one contract every Store backend must meet (memory, Redis, and any added later): what
// sessions, codes and limits rely on, including atomicity under concurrent callers.
import { describe, expect, it } from 'vitest';

import type { Store } from '../../src/store/store.js';

export interface StoreUnderTest {
  store: Store;
  /** Lets `ms` of store time pass (a manual clock, or a real wait for a real server). */
  elapse(ms: number): Promise<void>;
}

/** `elapse` for a real server: Redis expires keys by its own clock, so only a real wait lets a TTL pass. */
export const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Short enough for a real server's expiry to be waited out, long enough to read back first. */
const TTL = 500;

export function storeContract(name: string, make: () => StoreUnderTest): void {
  describe(`${name}: the Store contract`, () => {
    let n = 0;
    /** A fresh key per test, so suites can share one backend. */
    const fresh = (what: string) => `contract:${what}:${Date.now()}:${n++}`;

    it('returns what was set, and nothing for a key never set', async () => {
      const { store } = make();
      const key = fresh('get');
      await store.set(key, 'välue:1', 10_000);
      expect(await store.get(key)).toBe('välue:1');
      expect(await store.get(fresh('absent'))).toBeUndefined();
    });

    it('forgets a value once its TTL has passed', async () => {
      const { store, elapse } = make();
      const key = fresh('ttl');
      await store.set(key, 'v', TTL);
      expect(await store.get(key)).toBe('v');
      await elapse(TTL + 100);
      expect(await store.get(key)).toBeUndefined();
    });

    it('reports a delete as true to exactly one of many concurrent callers', async () => {
      const { store } = make();
      const key = fresh('delete');
      await store.set(key, 'code', 10_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.delete(key)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.delete(key)).toBe(false);
    });

    it('counts concurrent increments without losing any', async () => {
      const { store } = make();
      const key = fresh('incr');
      const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment(key, 10_000)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('adds concurrent amounts, negative ones too, without losing any', async () => {
      const { store } = make();
      const key = fresh('incrby');
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.incrementBy(key, i % 2 === 0 ? 75_000 : -25_000, 10_000)),
      );
      expect(await store.incrementBy(key, 0, 10_000)).toBe(500_000);
    });

    it('keeps the window set by the first increment (later increments do not extend it)', async () => {
      const { store, elapse } = make();
      const key = fresh('window');
      expect(await store.increment(key, TTL)).toBe(1);
      await elapse(TTL / 2);
      expect(await store.increment(key, TTL)).toBe(2);
      await elapse(TTL / 2 + 100);
      expect(await store.increment(key, TTL)).toBe(1);
    });

    it('replaces a value only while the key exists, and never brings a deleted one back', async () => {
      const { store } = make();
      const key = fresh('replace');
      expect(await store.replace(key, 'new', 10_000)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
      await store.set(key, 'old', 10_000);
      expect(await store.replace(key, 'new', 10_000)).toBe(true);
      expect(await store.get(key)).toBe('new');
      await store.delete(key);
      expect(await store.replace(key, 'again', 10_000)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
    });

    it('gives a replaced value its new TTL', async () => {
      const { store, elapse } = make();
      const key = fresh('replace-ttl');
      await store.set(key, 'v', 10_000);
      await store.replace(key, 'w', TTL);
      await elapse(TTL + 100);
      expect(await store.get(key)).toBeUndefined();
    });

    it('keeps set members, removes them one by one, and lists nothing for an absent set', async () => {
      const { store } = make();
      const key = fresh('set');
      expect(await store.setMembers(key)).toEqual([]);
      await Promise.all(['a', 'b', 'c', 'b'].map((m) => store.setAdd(key, m, 10_000)));
      expect((await store.setMembers(key)).sort()).toEqual(['a', 'b', 'c']);
      await store.setRemove(key, 'a', 'c', 'zz');
      expect(await store.setMembers(key)).toEqual(['b']);
      await store.setRemove(key, 'b');
      expect(await store.setMembers(key)).toEqual([]);
      await store.setRemove(key);
    });

    it('keeps a set as long as its longest-lived member asked, not shortened by a later shorter add', async () => {
      const { store, elapse } = make();
      const key = fresh('set-ttl');
      await store.setAdd(key, 'long', TTL * 3);
      await store.setAdd(key, 'short', TTL);
      await elapse(TTL + 100);
      expect((await store.setMembers(key)).sort()).toEqual(['long', 'short']);
      await elapse(TTL * 2);
      expect(await store.setMembers(key)).toEqual([]);
    });

    it('passes its health check', async () => {
      const { store } = make();
      await expect(store.check()).resolves.toBeUndefined();
    });
  });
}
