// One factory for the store family, switching on the configured type.
import type { StoreConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import type { StorePartition } from './memory-store.js';
import { createMemoryStore } from './memory-store.js';
import { createRedisClient } from './redis-client.js';
import { createRedisStore } from './redis-store.js';
import type { Store } from './store.js';

export function createStore(
  config: StoreConfig,
  clock?: Clock,
  log?: Logger,
  onEvict?: (partition: StorePartition) => void,
): Store {
  switch (config.type) {
    case 'memory':
      return createMemoryStore({ maxEntries: config.maxEntries, clock, onEvict, log });
    case 'redis':
      // Redis keeps its own time for expiry: the injected clock is for the memory store's tests.
      return createRedisStore({
        client: createRedisClient(config),
        keyPrefix: config.keyPrefix,
        connectTimeout: Math.max(2_000, config.commandTimeout),
        log,
      });
  }
}
