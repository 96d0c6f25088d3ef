import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore, EVICTION_WARNING_EVERY_MS } from '../../src/store/memory-store.js';

const make = (maxEntries = 100) => {
  const clock = createManualClock();
  return { clock, store: createMemoryStore({ maxEntries, clock }) };
};

describe('the memory store', () => {
  it('returns what was set until it expires', async () => {
    const { clock, store } = make();
    await store.set('k', 'v', 1_000);
    expect(await store.get('k')).toBe('v');
    clock.advance(1_000);
    expect(await store.get('k')).toBeUndefined();
  });

  it('reports a delete as true only for the caller that removed the key', async () => {
    const { store } = make();
    await store.set('k', 'v', 1_000);
    const results = await Promise.all([store.delete('k'), store.delete('k')]);
    expect(results.sort()).toEqual([false, true]);
  });

  it('increments atomically and keeps the window set by the first increment', async () => {
    const { clock, store } = make();
    expect(await store.increment('c', 1_000)).toBe(1);
    clock.advance(900);
    expect(await store.increment('c', 1_000)).toBe(2);
    clock.advance(100);
    expect(await store.increment('c', 1_000)).toBe(1);
  });

  it('stays within its bound by dropping the oldest entries', async () => {
    const { store } = make(3);
    for (const k of ['a', 'b', 'c', 'd']) await store.set(k, k, 10_000);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('d')).toBe('d');
  });

  it('keeps lockouts, send counters and sessions when a flood of sign-in flows fills its room', async () => {
    const { store } = make(10);
    await store.set('lock:alice', '1', 60_000);
    await store.increment('sends:id:alice:1', 60_000);
    await store.set('session:s1', 'alice', 60_000);
    for (let i = 0; i < 100; i++) {
      await store.set(`challenge:flow-${i}`, 'x', 60_000);
      await store.set(`delivery:flow-${i}`, 'x', 60_000);
    }
    expect(await store.get('lock:alice')).toBe('1');
    expect(await store.get('sends:id:alice:1')).toBe('1');
    expect(await store.get('session:s1')).toBe('alice');
    expect(await store.get('challenge:flow-99')).toBe('x');
    expect(await store.get('challenge:flow-0')).toBeUndefined();
  });

  it('keeps what people registered (passkeys, push browsers, tokens, enrolments) when a flood of sign-in flows fills its room', async () => {
    const { store } = make(10);
    const registered = ['webauthn:alice', 'webauthn-owner:cred-1', 'push:alice', 'token:t1', 'person:+393330000001'];
    for (const key of registered) await store.set(key, 'kept', 60_000);
    for (let i = 0; i < 100; i++) await store.set(`challenge:flow-${i}`, 'x', 60_000);
    expect(await Promise.all(registered.map((k) => store.get(k)))).toEqual(registered.map(() => 'kept'));
  });

  it('keeps lockouts when a flood of send counters fills the room of counters', async () => {
    const { store } = make(10);
    await store.set('lock:alice', '1', 60_000);
    for (let i = 0; i < 100; i++) await store.increment(`sends:ip:203.0.113.${i}:1`, 60_000);
    expect(await store.get('lock:alice')).toBe('1');
  });

  it('says which partition it pushed an entry out of, and not for entries that expired', async () => {
    const clock = createManualClock();
    const evicted: string[] = [];
    const store = createMemoryStore({ maxEntries: 2, clock, onEvict: (p) => evicted.push(p) });
    for (const k of ['challenge:a', 'challenge:b', 'challenge:c', 'fails:x', 'fails:y', 'fails:z'])
      await store.set(k, '1', 1_000);
    expect(evicted).toEqual(['flows', 'lockouts']);
    clock.advance(1_000);
    await store.get('fails:z');
    expect(evicted).toEqual(['flows', 'lockouts']);
  });

  it('warns when a partition starts pushing entries out, then once per ten minutes while it goes on, with the count', async () => {
    const clock = createManualClock();
    const warnings: object[] = [];
    const store = createMemoryStore({
      maxEntries: 2,
      clock,
      log: { warn: (fields: object) => void warnings.push(fields) },
    });
    for (const k of ['session:a', 'session:b', 'challenge:1', 'challenge:2']) await store.set(k, '1', 3_600_000);
    expect(warnings).toEqual([]);
    for (const k of ['challenge:3', 'challenge:4', 'challenge:5']) await store.set(k, '1', 3_600_000);
    expect(warnings).toEqual([{ partition: 'flows', maxEntries: 2, evictedSinceLastWarning: 1 }]);
    clock.advance(EVICTION_WARNING_EVERY_MS);
    await store.set('challenge:6', '1', 3_600_000);
    expect(warnings).toEqual([
      { partition: 'flows', maxEntries: 2, evictedSinceLastWarning: 1 },
      { partition: 'flows', maxEntries: 2, evictedSinceLastWarning: 3 },
    ]);
  });

  it('takes no room up front: a bound of millions costs nothing until used', () => {
    const before = process.memoryUsage().arrayBuffers;
    createMemoryStore({ maxEntries: 5_000_000 });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });
});
