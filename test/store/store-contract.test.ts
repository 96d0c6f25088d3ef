// The shared Store contract, run against every backend: memory (manual clock) and Redis (a real
// redis-server of the test's own).
import { afterAll, beforeAll } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { createStore } from '../../src/store/create-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { redisStoreConfig } from './redis-config.js';
import { realWait, storeContract } from './store-contract.js';

storeContract('memory store', () => {
  const clock = createManualClock();
  return {
    store: createMemoryStore({ maxEntries: 1_000, clock }),
    elapse: async (ms) => clock.advance(ms),
  };
});

describeWithBinary('redis store', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let store: Store;
  beforeAll(async () => {
    store = createStore(redisStoreConfig(redis.url));
    await store.check();
  });
  afterAll(async () => {
    await store?.close();
  });
  storeContract('redis store', () => ({ store, elapse: realWait }));
});
