import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../proxy/clock.js';
import { createMemoryStore } from '../../proxy/store/memory-store.js';

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
});
