// A compiled redis store config for tests, as the config loader would produce it.
import { afterAll, beforeAll } from 'vitest';

import type { RedisStoreConfig } from '../../src/config/types.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

export function redisStoreConfig(url: string, overrides: Partial<RedisStoreConfig> = {}): RedisStoreConfig {
  return {
    type: 'redis',
    address: { kind: 'url', url },
    keyPrefix: 'otp-gate-test:',
    username: undefined,
    password: undefined,
    tls: undefined,
    commandTimeout: 1_000,
    ...overrides,
  };
}

/**
 * Two stores on the suite's Redis, as two gate instances would have, checked before the tests and
 * closed after them: what one writes, the other must see.
 */
export function useTwoRedisStores(redis: { url: string }): Store[] {
  const stores: Store[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) stores.push(createStore(redisStoreConfig(redis.url)));
    for (const store of stores) await store.check();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
  });
  return stores;
}
