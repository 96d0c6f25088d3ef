// Redis-only behaviour of the store: key prefix, credentials, failing fast while Redis is away
// or frozen, and reconnecting by itself when it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { StoreError } from '../../src/store/store.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { redisStoreConfig } from './redis-config.js';

// Real waits: a real redis-server killed, restarted or frozen, and ioredis noticing it on its own.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long an operation takes to settle, and how. */
async function timed<T>(op: () => Promise<T>): Promise<{ ms: number; error: unknown; value: T | undefined }> {
  const started = performance.now();
  try {
    const value = await op();
    return { ms: performance.now() - started, error: undefined, value };
  } catch (error) {
    return { ms: performance.now() - started, error, value: undefined };
  }
}

describeWithBinary('the redis store', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  describe('on a healthy server', () => {
    const redis = useRedis(binary);
    let store: Store;
    beforeAll(async () => {
      store = createStore(redisStoreConfig(redis.url, { keyPrefix: 'gate-a:' }));
      await store.check();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('writes every key under the configured prefix', async () => {
      await store.set('session:x', 'v', 10_000);
      await store.increment('sends:y', 10_000);
      await store.setAdd('sessions-of:alice', 'x', 10_000);
      expect(await redis.command('EXISTS', 'gate-a:session:x')).toBe('1');
      expect(await redis.command('EXISTS', 'gate-a:sends:y')).toBe('1');
      expect(await redis.command('EXISTS', 'gate-a:sessions-of:alice')).toBe('1');
      expect(await redis.command('EXISTS', 'session:x')).toBe('0');
    });

    it('gives counters and sets a TTL in Redis itself, so nothing is kept for ever', async () => {
      await store.increment('counter:ttl', 60_000);
      await store.setAdd('set:ttl', 'm', 60_000);
      expect(Number(await redis.command('PTTL', 'gate-a:counter:ttl'))).toBeGreaterThan(50_000);
      expect(Number(await redis.command('PTTL', 'gate-a:set:ttl'))).toBeGreaterThan(50_000);
    });

    it('keeps two prefixes apart on one server', async () => {
      const other = createStore(redisStoreConfig(redis.url, { keyPrefix: 'gate-b:' }));
      try {
        await other.check();
        await store.set('shared', 'a', 10_000);
        expect(await other.get('shared')).toBeUndefined();
      } finally {
        await other.close();
      }
    });
  });

  describe('with a password', () => {
    const redis = useRedis(binary, ['--requirepass', 'correct-horse-battery']);

    it('authenticates with the configured password, which wins over one in the URL', async () => {
      const url = `redis://:wrong-one@127.0.0.1:${redis.port}`;
      const store = createStore(redisStoreConfig(url, { password: 'correct-horse-battery' }));
      try {
        await store.check();
        await store.set('k', 'v', 10_000);
        expect(await store.get('k')).toBe('v');
      } finally {
        await store.close();
      }
    });

    it('fails its start-up check with a wrong password, without repeating the password', async () => {
      const store = createStore(redisStoreConfig(redis.url, { password: 'not-the-password' }));
      try {
        const { error } = await timed(() => store.check());
        expect(error).toBeInstanceOf(StoreError);
        expect(String((error as Error).message)).toMatch(/^store: redis/);
        expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('not-the-password');
      } finally {
        await store.close();
      }
    });
  });

  describe('when Redis goes away', () => {
    const redis = useRedis(binary);
    let store: Store;
    beforeAll(async () => {
      store = createStore(redisStoreConfig(redis.url, { commandTimeout: 1_000 }));
      await store.check();
    });
    afterAll(async () => {
      redis.resume();
      await store?.close();
    });

    it('fails at once while Redis is down, instead of queueing, and works again within 5 s of its return', async () => {
      await store.set('before', 'v', 60_000);
      await redis.kill();
      await sleep(100);
      const ops: Array<() => Promise<unknown>> = [
        () => store.get('before'),
        () => store.increment('c', 1_000),
        () => store.check(),
      ];
      for (const op of ops) {
        const { ms, error } = await timed(op);
        expect(error).toBeInstanceOf(StoreError);
        // Well before command_timeout (1 s): nothing waited for a reply.
        expect(ms).toBeLessThan(500);
      }
      await redis.start();
      const restarted = performance.now();
      let recoveredAfter = Infinity;
      while (performance.now() - restarted < 5_000) {
        if ((await timed(() => store.check())).error === undefined) {
          recoveredAfter = performance.now() - restarted;
          break;
        }
        await sleep(25);
      }
      console.info(`redis store: serving again ${Math.round(recoveredAfter)} ms after redis-server restarted`);
      expect(recoveredAfter).toBeLessThan(5_000);
      await store.set('after', 'w', 1_000);
      expect(await store.get('after')).toBe('w');
    });

    it('fails a command after command_timeout when Redis is frozen, instead of hanging', async () => {
      redis.pause();
      try {
        const { ms, error } = await timed(() => store.get('frozen'));
        expect(error).toBeInstanceOf(StoreError);
        expect(ms).toBeGreaterThanOrEqual(950);
        expect(ms).toBeLessThan(2_500);
      } finally {
        redis.resume();
      }
      await sleep(50);
      await expect(store.get('thawed')).resolves.toBeUndefined();
    });
  });
});
