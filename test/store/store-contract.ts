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

    it('gives a taken value to exactly one of many concurrent callers, and leaves nothing', async () => {
      const { store } = make();
      const key = fresh('take');
      await store.set(key, 'note', 10_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take(key)));
      expect(results.filter((r) => r !== undefined)).toEqual(['note']);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.take(fresh('never-set'))).toBeUndefined();
    });

    it('counts concurrent increments without losing any', async () => {
      const { store } = make();
      const key = fresh('incr');
      const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment(key, 10_000)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('counts several counters at once, each exactly as increment does, the counts in the order of the keys', async () => {
      const { store } = make();
      const [a, b, c] = [fresh('all-a'), fresh('all-b'), fresh('all-c')];
      await store.increment(b, 10_000);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.incrementAll([a, b, c] as const, 10_000)),
      );
      const sorted = (i: 0 | 1 | 2) => results.map((counts) => counts[i]).sort((x, y) => x - y);
      const upTo20 = Array.from({ length: 20 }, (_, i) => i + 1);
      expect([sorted(0), sorted(1), sorted(2)]).toEqual([upTo20, upTo20.map((n) => n + 1), upTo20]);
    });

    it('gives counters counted together the window of their first count', async () => {
      const { store, elapse } = make();
      const [a, b] = [fresh('all-window-a'), fresh('all-window-b')];
      expect(await store.incrementAll([a, b] as const, TTL)).toEqual([1, 1]);
      await elapse(TTL / 2);
      expect(await store.incrementAll([a, b] as const, TTL)).toEqual([2, 2]);
      await elapse(TTL / 2 + 100);
      expect(await store.incrementAll([a, b] as const, TTL)).toEqual([1, 1]);
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

    it('replaces a value given the one expected only while the key still holds exactly that', async () => {
      const { store } = make();
      const key = fresh('replace-if');
      expect(await store.replace(key, 'new', 10_000, 'old')).toBe(false);
      expect(await store.get(key)).toBeUndefined();
      await store.set(key, 'old', 10_000);
      expect(await store.replace(key, 'new', 10_000, 'other')).toBe(false);
      expect(await store.get(key)).toBe('old');
      expect(await store.replace(key, 'new', 10_000, 'old')).toBe(true);
      expect(await store.get(key)).toBe('new');
    });

    it('lets one of several concurrent replaces expecting the same value win', async () => {
      const { store } = make();
      const key = fresh('replace-race');
      await store.set(key, 'v0', 10_000);
      const won = await Promise.all(['a', 'b', 'c', 'd'].map((v) => store.replace(key, v, 10_000, 'v0')));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await store.get(key)).toBe(['a', 'b', 'c', 'd'][won.indexOf(true)]);
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

    describe('a schedule', () => {
      const T = Date.UTC(2026, 0, 1);
      const claimDue = (store: Store, key: string, now: number) =>
        store.scheduleClaim(key, { dueBy: now, leaseUntil: now + 1_000, limit: 10 });

      it('hands out due members only, earliest first, and none before they are due', async () => {
        const { store } = make();
        const key = fresh('schedule');
        await store.scheduleAdd(key, 'late', T + 200);
        await store.scheduleAdd(key, 'early', T + 100);
        expect(await claimDue(store, key, T + 50)).toEqual([]);
        expect(await claimDue(store, key, T + 300)).toEqual(['early', 'late']);
      });

      it('gives each due member to exactly one of many concurrent claimers', async () => {
        const { store } = make();
        const key = fresh('schedule-race');
        await Promise.all(['a', 'b', 'c'].map((m) => store.scheduleAdd(key, m, T)));
        const claims = await Promise.all(Array.from({ length: 20 }, () => claimDue(store, key, T + 1)));
        expect(claims.flat().sort()).toEqual(['a', 'b', 'c']);
      });

      it('hands a claimed member out again once its lease has run out (its claimer died)', async () => {
        const { store } = make();
        const key = fresh('schedule-lease');
        await store.scheduleAdd(key, 'm', T);
        expect(await claimDue(store, key, T)).toEqual(['m']);
        expect(await claimDue(store, key, T + 999)).toEqual([]);
        expect(await claimDue(store, key, T + 1_000)).toEqual(['m']);
      });

      it('claims at most the limit at once', async () => {
        const { store } = make();
        const key = fresh('schedule-limit');
        await Promise.all(['a', 'b', 'c'].map((m, i) => store.scheduleAdd(key, m, T + i)));
        expect(await store.scheduleClaim(key, { dueBy: T + 5, leaseUntil: T + 10, limit: 2 })).toEqual(['a', 'b']);
      });

      it('lets the scheduler claim its own member by the time it set, until someone else holds it', async () => {
        const { store } = make();
        const key = fresh('schedule-own');
        await store.scheduleAdd(key, 'mine', T + 500);
        await store.scheduleAdd(key, 'other', T + 500);
        const own = (member: string, leaseUntil: number) =>
          store.scheduleClaim(key, { dueBy: T + 500, leaseUntil, member });
        expect(await own('mine', T + 1_000)).toEqual(['mine']);
        expect(await claimDue(store, key, T + 900)).toEqual(['other']);
        expect(await own('other', T + 1_000)).toEqual([]);
        expect(await own('absent', T + 1_000)).toEqual([]);
      });

      it('moves a member scheduled again, lease or not', async () => {
        const { store } = make();
        const key = fresh('schedule-move');
        await store.scheduleAdd(key, 'm', T);
        expect(await claimDue(store, key, T)).toEqual(['m']);
        await store.scheduleAdd(key, 'm', T + 5_000);
        expect(await claimDue(store, key, T + 4_999)).toEqual([]);
        expect(await claimDue(store, key, T + 5_000)).toEqual(['m']);
      });

      it('removes a member once: true for exactly one of concurrent removers, and never claimed after', async () => {
        const { store } = make();
        const key = fresh('schedule-remove');
        await store.scheduleAdd(key, 'm', T);
        const removed = await Promise.all(Array.from({ length: 10 }, () => store.scheduleRemove(key, 'm')));
        expect(removed.filter(Boolean)).toHaveLength(1);
        expect(await claimDue(store, key, T + 10_000)).toEqual([]);
      });
    });

    it('passes its health check', async () => {
      const { store } = make();
      await expect(store.check()).resolves.toBeUndefined();
    });
  });
}
