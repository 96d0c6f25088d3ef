// One factory for the store family, switching on the configured type.
import type { Clock } from '../clock.js';
import type { StoreConfig } from '../config/types.js';
import { createMemoryStore } from './memory-store.js';
import type { Store } from './store.js';

export function createStore(config: StoreConfig, clock?: Clock): Store {
  switch (config.type) {
    case 'memory':
      return createMemoryStore({ maxEntries: config.maxEntries, clock });
    case 'redis':
      throw new Error('store: type "redis" is not available in this build yet; use type "memory"');
  }
}
